"""Who is calling: a key and its client (cached), idempotency records, the person behind a
token, the requests a client filed, and the call counts the admin shows."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.db.models import Count, Q

from apps.accounts.models import User
from apps.api.domain import (
    KEYLESS_COUNT_KEY,
    KEYLESS_WINDOW_SECONDS,
    OUTSIDE_COUNT_KEY,
    PERSON_TOKEN_MAX_AGE,
    PERSON_TOKEN_SALT,
    key_digest,
    key_is_live,
    key_matches,
    key_parse,
)
from apps.api.models import ApiCall, ApiClient, ApiKey, IdempotencyRecord
from apps.subject_requests.models import SubjectRequest

# A key and its client are cached for a short while, so a check does not read them on every call.
# The entries hang off a version number that every change of a client or key bumps (services:
# api_keys_changed), so a revoked key fails on its next call; the version is read before the
# database, so an answer read before a revocation is never filed under the version after it.
KEY_CACHE_VERSION = "api:keys:version"
KEY_CACHE_SECONDS = 60


def api_key_cache_version() -> str:
    return cache.get(KEY_CACHE_VERSION) or "0"


def api_key_find(presented: str) -> tuple[ApiKey, bool] | None:
    """The key ``presented`` is (with its client), live or not, and whether it was read from the
    database rather than the cache; None when no key is that one. Whether it is live is decided
    by its caller at each call (domain.key_is_live), so an expiry needs no cache change."""
    prefix = key_parse(presented)
    if prefix is None:
        return None
    entry = f"api:key:{api_key_cache_version()}:{key_digest(presented)}"
    key, fresh = cache.get(entry), False
    if key is None:
        key, fresh = ApiKey.objects.select_related("client").filter(prefix=prefix).first(), True
        if key is None or not key_matches(presented, key.digest):
            return None
        cache.set(entry, key, KEY_CACHE_SECONDS)
    return key, fresh


def api_key_authenticate(presented: str) -> tuple[ApiKey, bool] | None:
    """The live key ``presented`` names (as api_key_find), or None: unknown, wrong, revoked or expired."""
    found = api_key_find(presented)
    return found if found is not None and key_is_live(found[0]) else None


def idempotency_get(*, client: ApiClient, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(client=client, key=key).first()


def person_token_read(token: str) -> User | None:
    """The active account a person token names, if the token is genuine and fresh."""
    try:
        value = signing.TimestampSigner(salt=PERSON_TOKEN_SALT).unsign(token, max_age=PERSON_TOKEN_MAX_AGE)
        reference = uuid.UUID(value)
    except (signing.BadSignature, ValueError):
        return None
    return User.objects.filter(reference=reference, is_active=True, status=User.Status.ACTIVE).first()


def api_filed_request_get(*, client: ApiClient, reference: uuid.UUID) -> SubjectRequest | None:
    """The request ``reference`` names, if ``client`` filed it (requests:read reads no other)."""
    return (
        SubjectRequest.objects.select_related("jurisdiction")
        .filter(reference=reference, api_filings__client=client)
        .first()
    )


def _minute_totals(templates: dict[Any, str], minutes: int) -> dict[Any, int]:
    """Each owner's per-minute counters of apps.api.middleware (its key template, formatted with
    ``window``) summed over the last ``minutes`` (at most an hour is kept), in one cache read."""
    window = int(time.time() // KEYLESS_WINDOW_SECONDS)
    keys = {
        template.format(window=window - back): owner
        for owner, template in templates.items()
        for back in range(min(minutes, 60))
    }
    totals = dict.fromkeys(templates, 0)
    for key, value in cache.get_many(list(keys)).items():
        totals[keys[key]] += int(value or 0)
    return totals


def api_keyless_call_count(*, minutes: int = 60) -> int:
    """Calls without a live key over the last ``minutes``: they are not logged one row each."""
    return _minute_totals({"keyless": KEYLESS_COUNT_KEY}, minutes)["keyless"]


def api_outside_call_counts(*, client_ids: list[int], minutes: int = 60) -> dict[int, int]:
    """Calls refused because a client's live key came from outside its networks, per client, over
    the last ``minutes`` (one sample row a minute is in the log). One cache read for them all."""
    templates = {client_id: OUTSIDE_COUNT_KEY.format(client=client_id, window="{window}") for client_id in client_ids}
    return _minute_totals(templates, minutes)


def api_call_counts(*, since: datetime) -> dict[int, dict[str, int]]:
    """Calls per client since ``since``: all, and those answered with an error."""
    rows = (
        ApiCall.objects.filter(at__gte=since, client__isnull=False)
        .values("client_id")
        .annotate(total=Count("id"), errors=Count("id", filter=Q(status__gte=400)))
    )
    return {row["client_id"]: {"total": row["total"], "errors": row["errors"]} for row in rows}
