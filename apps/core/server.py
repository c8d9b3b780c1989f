"""What a server process does once it has loaded, before its first request."""

from __future__ import annotations

import gc

from django.urls import get_resolver


def heap_settle() -> None:
    """Import every view now, then move everything loaded so far out of the garbage collector's
    reach (``gc.freeze``): it lives as long as the process, yet each full collection walked all
    of it. Such a collection, set off by the objects a 10 000-person batch check makes, had
    taken 50 to 100 ms in the middle of the call (bench/api_consent_check.py)."""
    get_resolver().url_patterns  # noqa: B018  (the property imports the URLconf and its views)
    gc.collect()
    gc.freeze()
