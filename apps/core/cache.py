"""A Redis cache that fails open: with Redis out of reach, the portal keeps answering.

Production's cache is, by default, the broker's Redis (config/settings/production.py). What
the portal keeps there is either derived (the cookie catalogue, the organisation's details:
read again from the database on a miss) or allauth's and the portal's rate-limit counters.
Django's own Redis cache raises on every call while Redis is down, which turned a broker
outage into an error on every page. This one answers as an empty cache instead (a miss, a
write that did not happen, a lock taken) and, after a failure, does not try Redis again for a few seconds,
so an unreachable host costs one connect timeout, not one per cache call.

The price, accepted and logged: rate limits count nothing while Redis is down.

``remembered`` keeps a costly aggregate for a while, with the time it was computed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)
T = TypeVar("T")

# After a failure, calls answer "empty" without trying Redis for this long.
RETRY_AFTER_SECONDS = 5.0


class FailOpenRedisCache(RedisCache):
    _down_until = 0.0

    def _guarded(self, call: Callable[[], T], fallback: T) -> T:
        from redis.exceptions import ConnectionError, TimeoutError

        if time.monotonic() < self._down_until:
            return fallback
        try:
            return call()
        except (ConnectionError, TimeoutError) as exc:
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning("Cache unreachable (%s); answering as an empty cache for now.", type(exc).__name__)
            return fallback

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None, **kwargs: Any) -> bool:
        # True: allauth takes its rate-limit lock with add(); "not added" would refuse every sign-in.
        return self._guarded(lambda: super(FailOpenRedisCache, self).add(key, value, timeout, version), True)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._guarded(lambda: super(FailOpenRedisCache, self).get(key, default, version), default)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None, **kwargs: Any) -> None:
        self._guarded(lambda: super(FailOpenRedisCache, self).set(key, value, timeout, version), None)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._guarded(lambda: super(FailOpenRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._guarded(lambda: super(FailOpenRedisCache, self).delete(key, version), False)

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self._guarded(lambda: super(FailOpenRedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._guarded(lambda: super(FailOpenRedisCache, self).has_key(key, version), False)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        return self._guarded(lambda: super(FailOpenRedisCache, self).incr(key, delta, version), delta)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        return self._guarded(lambda: super(FailOpenRedisCache, self).set_many(data, timeout, version), [])

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._guarded(lambda: super(FailOpenRedisCache, self).delete_many(keys, version), None)

    def clear(self) -> None:
        self._guarded(lambda: super(FailOpenRedisCache, self).clear(), None)


# --- Figures computed at most once per period ------------------------------------------------


@dataclass(frozen=True)
class Remembered(Generic[T]):
    """A value from the cache, with the time it was computed (the page shows "as of")."""

    value: T
    as_of: datetime


def remembered(key: str, seconds: int, compute: Callable[[], T]) -> Remembered[T]:
    """``compute()``'s value, computed again at most once per ``seconds`` (per cache key).

    For aggregate figures over whole tables (the statistics report, the request dashboard's
    history) that would otherwise read a million rows on every page view; a page using it
    says how old its figures are. With the cache down this computes every time (fail-open).
    """
    from django.core.cache import cache

    hit = cache.get(key)
    if isinstance(hit, Remembered):
        return hit
    return remember(key, seconds, compute)


def remember(key: str, seconds: int, compute: Callable[[], T]) -> Remembered[T]:
    """Compute ``compute()`` now and keep it under ``key`` (a periodic job refreshing what
    ``remembered`` reads, so no page view pays for the computation)."""
    from django.core.cache import cache
    from django.utils import timezone

    fresh = Remembered(compute(), timezone.now())
    cache.set(key, fresh, seconds)
    return fresh
