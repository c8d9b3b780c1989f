"""Background jobs as tests see them (apps/core/jobs/)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from apps.core.models import Job


class JobsWritten:
    """The jobs of some kinds written since this object was made (or cleared): what the
    services asked the worker to do, read from the job rows (the outbox), not from a broker.

    ``kinds`` maps each kind to a label; items are ``(label, target id)``, or the target id
    alone when the label is None.
    """

    def __init__(self, kinds: Mapping[str, str | None]) -> None:
        self.kinds = dict(kinds)
        self.clear()

    def clear(self) -> None:
        self._after = Job.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def _items(self) -> list[Any]:
        rows = Job.objects.filter(kind__in=self.kinds, pk__gt=self._after).order_by("pk")
        return [
            (self.kinds[kind], int(target)) if self.kinds[kind] is not None else int(target)
            for kind, target in rows.values_list("kind", "target")
        ]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())

    def __contains__(self, item: object) -> bool:
        return item in self._items()

    def __eq__(self, other: object) -> bool:
        return self._items() == list(other)  # type: ignore[call-overload]

    def __repr__(self) -> str:
        return f"JobsWritten({self._items()!r})"
