"""Clients and keys (officers, in the admin), the call log, stored answers of POSTs, and the
person tokens the portal gives a signed-in customer for an app to show."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.api.domain import (
    PERSON_TOKEN_MAX_AGE,
    PERSON_TOKEN_SALT,
    WEBHOOK_ENDPOINT,
    EventType,
    event_allowed,
    key_new,
)
from apps.api.models import ApiCall, ApiClient, ApiFiledRequest, ApiKey, IdempotencyRecord
from apps.api.selectors import KEY_CACHE_VERSION, PURPOSE_CACHE_VERSION
from apps.core.actors import record_actor
from apps.core.db import prepared_cursor
from apps.core.webhooks import webhooks_drop
from apps.subject_requests.models import SubjectRequest

# How long an old key keeps working after a rotation, so the other system can roll out the new one.
ROTATION_OVERLAP = timedelta(days=7)


@transaction.atomic
def api_client_create(*, client: ApiClient, actor: User) -> tuple[ApiClient, str]:
    """Save a new client and give it its first key; returns (client, key shown once)."""
    client.created_by = actor
    client.full_clean()
    record_actor(client, actor=actor, reason="API client created")
    client.save()
    _, full_key = _key_issue(client=client, actor=actor)
    return client, full_key


def _key_issue(*, client: ApiClient, actor: User) -> tuple[ApiKey, str]:
    full, prefix, digest = key_new()
    key = ApiKey(client=client, prefix=prefix, digest=digest)
    record_actor(key, actor=actor, reason="API key issued")
    key.save()
    return key, full


@transaction.atomic
def api_key_rotate(*, client: ApiClient, actor: User, overlap: timedelta = ROTATION_OVERLAP) -> str:
    """A new key for ``client``; its live keys keep working for ``overlap``, then expire."""
    if client.revoked_at is not None:
        raise ValueError("A revoked client gets no new key.")
    ends = timezone.now() + overlap
    for old in client.keys.filter(revoked_at__isnull=True).select_for_update():
        if old.expires_at is None or old.expires_at > ends:
            old.expires_at = ends
            record_actor(old, actor=actor, reason="API key rotated: expires after the overlap")
            old.save(update_fields=["expires_at", "updated_at"])
    _, full = _key_issue(client=client, actor=actor)
    api_keys_changed()
    return full


@transaction.atomic
def api_client_revoke(*, client: ApiClient, actor: User) -> ApiClient:
    """Stop the client at once: its next call, with any of its keys, is refused."""
    now = timezone.now()
    for key in client.keys.filter(revoked_at__isnull=True):
        key.revoked_at = now
        record_actor(key, actor=actor, reason="API client revoked")
        key.save(update_fields=["revoked_at", "updated_at"])
    if client.revoked_at is None:
        client.revoked_at = now
        record_actor(client, actor=actor, reason="API client revoked")
        client.save(update_fields=["revoked_at", "updated_at"])
    # Nor is it told anything more: the events still owed to its webhooks are given up.
    webhooks_drop(
        endpoint=WEBHOOK_ENDPOINT,
        endpoint_ids=list(client.subscriptions.values_list("pk", flat=True)),
        reason="The client was revoked.",
    )
    api_keys_changed()
    return client


# The call log's INSERT on PostgreSQL, one statement: set_config(..., true) lasts until the end of
# the statement's own transaction, so this row's commit does not wait for the disk (a crash can lose
# the last fraction of a second of this log, never a consent, request or anything else a call
# wrote, which commit as usual). One round trip instead of BEGIN, SET LOCAL, INSERT and COMMIT.
_CALL_INSERT_PG = (
    "INSERT INTO api_apicall (client_id, endpoint, method, status, duration_ms, at) "
    "SELECT CAST(%s AS bigint), %s, %s, %s, %s, %s FROM set_config('synchronous_commit', 'off', true)"
)


def api_call_log(*, client_id: int | None, endpoint: str, method: str, status: int, duration_ms: int) -> None:
    """One row per call: the client, the endpoint, the outcome; never the person's data."""
    row = ApiCall(
        client_id=client_id, endpoint=endpoint[:80], method=method[:8], status=status, duration_ms=duration_ms
    )
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        row.save(force_insert=True)  # inside a transaction its commit is that transaction's
        return
    with prepared_cursor() as cursor:
        cursor.execute(_CALL_INSERT_PG, [row.client_id, row.endpoint, row.method, row.status, row.duration_ms, row.at])


def _version_bump(name: str) -> None:
    """Bump a cache version now, so the next read in this transaction misses, and again once
    committed, so a call that read the database meanwhile cannot leave the old state cached."""

    def bump() -> None:
        # A new random value, kept without expiry: a counter's incr() on the database cache
        # rewrites it with the default timeout, so a lapsed version restarted at 0 and could
        # meet entries still cached under a number it had reached before.
        cache.set(name, uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


def api_keys_changed() -> None:
    """A client or key changed: every cached key is read again (selectors.api_key_authenticate)."""
    _version_bump(KEY_CACHE_VERSION)


def api_purposes_changed(**_signal) -> None:
    """A purpose changed: every cached purpose is read again (selectors.purpose_for_check)."""
    _version_bump(PURPOSE_CACHE_VERSION)


@transaction.atomic
def api_client_update(*, client: ApiClient, actor: User) -> ApiClient:
    """An officer changed the client (scopes, ranges, expiry, rate): its next call sees the change
    (the cached keys are read again), and a scope taken away stops at once the events it allowed:
    those still owed to the client's webhooks are given up (the relay also asks again at send
    time, apps.api.selectors.subscription_refusal)."""
    client.full_clean()
    record_actor(client, actor=actor, reason="API client changed")
    client.save()
    refused = [name for name in EventType.values if not event_allowed(name, client.scopes)]
    if refused:
        webhooks_drop(
            endpoint=WEBHOOK_ENDPOINT,
            endpoint_ids=list(client.subscriptions.values_list("pk", flat=True)),
            event_types=refused,
            reason="The client's scopes no longer allow this event.",
        )
    api_keys_changed()
    return client


def api_filed_request_note(*, client: ApiClient, subject_request: SubjectRequest) -> None:
    """Remember that ``client`` filed ``subject_request`` (or was answered with it): requests:read
    shows a client only these. Called inside the filing's transaction, so both or neither."""
    ApiFiledRequest.objects.get_or_create(client=client, subject_request=subject_request)


def api_key_touch(*, key: ApiKey) -> None:
    """Note when a key was last used, at most once a minute (a write per call would double its cost)."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


def idempotency_store(
    *, client: ApiClient, key: str, endpoint: str, fingerprint: str, status: int, body: object
) -> IdempotencyRecord | None:
    """Keep the answer for a retry; None when a concurrent call with the same key stored first."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                client=client, key=key, endpoint=endpoint, fingerprint=fingerprint, status=status, body=body
            )
    except IntegrityError:
        return None


def person_token_spend(token: str) -> bool:
    """Mark ``token`` used; False when it was already. Kept in the shared cache for the token's
    lifetime (the database cache table by default, Redis in production: ``add`` is atomic in both)."""
    key = "api:person-token-spent:" + hashlib.sha256(token.encode()).hexdigest()
    return bool(cache.add(key, 1, timeout=int(PERSON_TOKEN_MAX_AGE.total_seconds()) + 60))


def person_token_issue(*, user: User) -> str:
    """A short-lived token naming ``user``, for an app of the company to prove who is signed in.

    Signed with the portal's secret and a salt of its own, so it cannot stand in for any other
    signed value; its lifetime is checked when it is read (selectors.person_token_read).
    """
    return signing.TimestampSigner(salt=PERSON_TOKEN_SALT).sign(str(user.reference))
