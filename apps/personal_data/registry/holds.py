"""Legal holds: data erasure must keep although the subject asked for it to go."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# --- Legal holds ------------------------------------------------------------------------
#
# The retention app (legal holds, litigation) plugs in here by registering a provider; the
# erasure engine asks every provider, once per run, which data categories of the subject
# are held. A held field is kept and listed in the certificate with the hold's reason; a
# row whose every category is held is kept whole.


@dataclass(frozen=True)
class Hold:
    categories: frozenset[str] | set[str] | None  # None holds every category
    reason: str
    reference: str

    def covers(self, category: str) -> bool:
        return self.categories is None or str(category) in {str(c) for c in self.categories}

    def as_dict(self) -> dict[str, Any]:
        return {
            "categories": None if self.categories is None else sorted(str(c) for c in self.categories),
            "reason": self.reason,
            "reference": self.reference,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Hold:
        categories = data.get("categories")
        return cls(
            categories=None if categories is None else frozenset(categories),
            reason=data.get("reason", ""),
            reference=data.get("reference", ""),
        )


HoldProvider = Callable[[Any], Iterable[Hold]]

_PROVIDERS: list[HoldProvider] = []


def register_hold_provider(provider: HoldProvider) -> HoldProvider:
    """Add a provider ``fn(user) -> list[Hold]``; usable as a decorator."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def unregister_hold_provider(provider: HoldProvider) -> None:
    if provider in _PROVIDERS:
        _PROVIDERS.remove(provider)


def holds_for(user: Any) -> list[Hold]:
    """Every hold on ``user``'s data, from every registered provider."""
    found: list[Hold] = []
    for provider in list(_PROVIDERS):
        found.extend(provider(user) or [])
    return found


def holds_covering(category: str, holds: Iterable[Hold]) -> list[Hold]:
    return [hold for hold in holds if hold.covers(category)]
