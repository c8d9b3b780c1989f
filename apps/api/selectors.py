"""Reads of the API app: who is calling (a key's client), the consent answers, the feeds, the
person behind a token, and the call counts the admin shows."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, FilteredRelation, Max, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from apps.accounts.models import User
from apps.api.domain import (
    KEYLESS_COUNT_KEY,
    KEYLESS_WINDOW_SECONDS,
    PERSON_TOKEN_MAX_AGE,
    PERSON_TOKEN_SALT,
    WEBHOOK_ENDPOINT,
    event_allowed,
    key_digest,
    key_is_live,
    key_matches,
    key_parse,
)
from apps.api.models import ApiCall, ApiClient, ApiFiledRequest, ApiKey, IdempotencyRecord, WebhookSubscription
from apps.consent.models import ConsentEvent, ProcessingRestriction, Purpose, Suppression
from apps.consent.selectors.ledger import restricted_for, suppressions_of
from apps.core.models import WebhookEvent
from apps.core.webhooks import plain_secrets
from apps.personal_data.domain import address_hash
from apps.subject_requests.models import SubjectRequest

HEX = frozenset("0123456789abcdef")


# A key and its client are cached for a short while, so a check does not read them on every call.
# The entries hang off a version number that every change of a client or key bumps (services:
# api_keys_changed), so a revoked key fails on its next call; the version is read before the
# database, so an answer read before a revocation is never filed under the version after it.
KEY_CACHE_VERSION = "api:keys:version"
KEY_CACHE_SECONDS = 60


def api_key_cache_version() -> int:
    return cache.get(KEY_CACHE_VERSION) or 0


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


def api_keyless_call_count(*, minutes: int = 60) -> int:
    """Calls without a live key over the last ``minutes`` (at most an hour is kept), from the
    per-minute counters of apps.api.middleware: they are not logged one row each."""
    window = int(time.time() // KEYLESS_WINDOW_SECONDS)
    keys = [KEYLESS_COUNT_KEY.format(window=window - back) for back in range(min(minutes, 60))]
    return sum(int(value or 0) for value in cache.get_many(keys).values())


def api_call_counts(*, since: datetime) -> dict[int, dict[str, int]]:
    """Calls per client since ``since``: all, and those answered with an error."""
    rows = (
        ApiCall.objects.filter(at__gte=since, client__isnull=False)
        .values("client_id")
        .annotate(total=Count("id"), errors=Count("id", filter=Q(status__gte=400)))
    )
    return {row["client_id"]: {"total": row["total"], "errors": row["errors"]} for row in rows}


# --- Consent: may this purpose be used for this person now? -------------------------------------
#
# The same rules as apps.consent.selectors.ledger.may_contact (single) and campaign_audience
# (mailings), built from the same pieces (restricted_for, suppressions_of), evaluated for a whole
# batch in two queries whatever its size: one over the accounts named, one over the suppression
# list for the addresses that name no account. tests/api/test_consent.py holds the batch answer
# against the mailing audience so the two cannot drift apart.


class Reason:
    ALLOWED = "allowed"
    NO_CONSENT = "no_consent"
    OBJECTED = "objected"
    GPC = "gpc"
    SUPPRESSED = "suppressed"
    RESTRICTED = "restricted"
    ACCOUNT_CLOSED = "account_closed"
    PURPOSE_INACTIVE = "purpose_inactive"
    WRONG_CHANNEL = "wrong_channel"


@dataclass(frozen=True)
class Identifier:
    """One person as a client names them: by account reference or by (keyed hash of) address."""

    given: str  # what the client sent, echoed back so it can match answers to questions
    kind: str  # "account", "email" or "email_hash"
    account: uuid.UUID | None = None
    email_hash: str = ""


def identifier_from(kind: str, value: str) -> Identifier:
    """Raises ValueError for a value that cannot be such an identifier."""
    if kind == "account":
        return Identifier(given=value, kind=kind, account=uuid.UUID(value))
    if kind == "email":
        if "@" not in value or len(value) > 254:
            raise ValueError("not an email address")
        return Identifier(given=value, kind=kind, email_hash=address_hash(value))
    if kind == "email_hash":
        if len(value) != 64 or not HEX.issuperset(value):
            raise ValueError("not a keyed email hash")
        return Identifier(given=value, kind=kind, email_hash=value)
    raise ValueError("unknown identifier kind")


# Purposes change seldom and a check reads one each time: cached, under a version that every save
# or deletion of a purpose bumps (apps.api.apps connects it), with a short life as a backstop.
PURPOSE_CACHE_VERSION = "api:purposes:version"
PURPOSE_CACHE_SECONDS = 60


def purpose_for_check(code: str) -> Purpose | None:
    entry = f"api:purpose:{cache.get(PURPOSE_CACHE_VERSION) or 0}:{code}"
    purpose = cache.get(entry)
    if purpose is None:
        purpose = Purpose.objects.filter(code=code).first()
        if purpose is not None:
            cache.set(entry, purpose, PURPOSE_CACHE_SECONDS)
    return purpose


def _text_list(values: set[str]) -> RawSQL:
    """``values`` as one parameter (an array, or JSON on SQLite), not one placeholder each: with
    10 000 hashes Django's ``__in`` spent longer preparing the placeholders than the database
    spent answering, and SQLite caps the number of placeholders of a statement."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::text[])", [list(values)])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(list(values))])


def consent_decisions(
    *, purpose: Purpose, channel: str, identifiers: list[Identifier]
) -> Iterator[tuple[Identifier, str]]:
    """(identifier, reason) for each identifier, in order; reason "allowed" means yes."""
    if not purpose.is_active:
        yield from ((identifier, Reason.PURPOSE_INACTIVE) for identifier in identifiers)
        return
    if purpose.channel and channel != purpose.channel:
        # An empty channel too: a contact purpose is only ever allowed on its own channel (as
        # may_contact decides); the views refuse an empty one before asking.
        yield from ((identifier, Reason.WRONG_CHANNEL) for identifier in identifiers)
        return
    references = {i.account for i in identifiers if i.account is not None}
    hashes = {i.email_hash for i in identifiers if i.email_hash}
    named = Q(email_hash__in=_text_list(hashes)) if hashes else Q(pk__in=[])
    if references:
        named |= Q(reference__in=references)
    # The current choice as one LEFT JOIN (as the hand-written floor does), not two subqueries.
    accounts = User.objects.filter(named).annotate(
        state=FilteredRelation("consent_states", condition=Q(consent_states__purpose=purpose)),
        granted=F("state__granted"),
        method=F("state__method"),
        restricted=restricted_for([purpose.pk]),
    )
    if purpose.channel:
        accounts = accounts.annotate(
            suppressed=Exists(Suppression.objects.filter(suppressions_of(purpose), address_hash=OuterRef("email_hash")))
        )
    else:
        accounts = accounts.annotate(suppressed=Value(False))
    # Tuples, not dicts, and one reason per account, worked out as its row arrives.
    rows = accounts.values_list(
        "reference", "email_hash", "is_active", "status", "granted", "method", "restricted", "suppressed"
    )
    by_reference: dict[uuid.UUID, str] = {}
    by_hash: dict[str, str] = {}
    needs_consent = purpose.needs_consent
    for reference, email_hash, is_active, status, granted, method, restricted, suppressed in rows:
        reason = _reason(
            needs_consent, is_active and status == User.Status.ACTIVE, suppressed, restricted, granted, method
        )
        by_reference[reference] = reason
        if email_hash:
            by_hash[email_hash] = reason
    suppressed_addresses: set[str] = set()
    unmatched = hashes - by_hash.keys()
    if purpose.channel and unmatched:
        suppressed_addresses = set(
            Suppression.objects.filter(suppressions_of(purpose), address_hash__in=_text_list(unmatched)).values_list(
                "address_hash", flat=True
            )
        )
    without_account = Reason.NO_CONSENT if needs_consent else Reason.ALLOWED
    for identifier in identifiers:
        if identifier.account is not None:
            # Named by its reference: the client already knows of the account, so the full
            # reason. A reference that names no account (any more) is never a yes.
            yield identifier, by_reference.get(identifier.account, Reason.NO_CONSENT)
            continue
        found = by_hash.get(identifier.email_hash)
        if found is None:
            # No account: answered as an active account with no choice, no objection and no
            # restriction; the suppression list is by address, so it applies all the same.
            found = Reason.SUPPRESSED if identifier.email_hash in suppressed_addresses else without_account
        yield identifier, address_reason(found, needs_consent=needs_consent)


# Reasons only an account can have. Told to a client that names the person by address, each
# would say "this address has an account here", so there they read as a reason an address
# without an account can get too (README, "The API for other systems").
ACCOUNT_ONLY = frozenset({Reason.OBJECTED, Reason.GPC, Reason.RESTRICTED, Reason.ACCOUNT_CLOSED})


def address_reason(reason: str, *, needs_consent: bool) -> str:
    """The reason as told to a client that named the person by email or keyed hash: a purpose
    that needs consent reads "no_consent" (what any address without a yes gets); one that needs
    none reads "suppressed" ("do not use this address for this", what a listed address gets)."""
    if reason not in ACCOUNT_ONLY:
        return reason
    return Reason.NO_CONSENT if needs_consent else Reason.SUPPRESSED


# One person, one statement, written by hand: building the batch's query through the ORM cost a
# single check more than everything else it does together (pyinstrument, bench/api_consent_check.py).
# The same rules as consent_decisions, which tests/api/test_consent.py holds it to. The person row
# is LEFT JOINed to what was asked, so an address without an account still meets the suppression list.
_ONE_SQL = """
SELECT u.reference, u.is_active, u.status, s.granted, s.method,
  EXISTS (SELECT 1 FROM consent_processingrestriction r
          LEFT JOIN consent_processingrestriction_purposes rp ON rp.processingrestriction_id = r.id
          WHERE r.subject_id = u.id AND r.lifted_at IS NULL AND (rp.purpose_id IS NULL OR rp.purpose_id = %s)),
  EXISTS (SELECT 1 FROM consent_suppression x WHERE x.address_hash = COALESCE(u.email_hash, q.h)
          AND x.channel = %s AND x.purpose_code IN ('', %s))
FROM (SELECT %s AS h, %s AS r) q
LEFT JOIN accounts_user u ON {match}
LEFT JOIN consent_consentstate s ON s.subject_id = u.id AND s.purpose_id = %s
"""
_ONE_BY_ADDRESS = _ONE_SQL.format(match="u.email_hash = q.h")
_ONE_BY_ACCOUNT = _ONE_SQL.format(match="u.reference = q.r")


def consent_decision(*, purpose: Purpose, channel: str, identifier: Identifier) -> str:
    """The reason for one person, as consent_decisions gives it, in one statement."""
    if not purpose.is_active:
        return Reason.PURPOSE_INACTIVE
    if purpose.channel and channel != purpose.channel:
        return Reason.WRONG_CHANNEL
    reference = None
    if identifier.account is not None:
        reference = User._meta.get_field("reference").get_db_prep_value(identifier.account, connection)
    sql = _ONE_BY_ACCOUNT if identifier.account is not None else _ONE_BY_ADDRESS
    params = [purpose.pk, purpose.channel or "-", purpose.code, identifier.email_hash, reference, purpose.pk]
    # A purpose without a channel meets no suppression list: "-" is no channel, so nothing matches.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found, is_active, status, granted, method, restricted, suppressed = cursor.fetchone()
    needs_consent = purpose.needs_consent
    if found is None:
        if identifier.account is not None:
            return Reason.NO_CONSENT
        return Reason.SUPPRESSED if suppressed else (Reason.NO_CONSENT if needs_consent else Reason.ALLOWED)
    active = bool(is_active) and status == User.Status.ACTIVE
    reason = _reason(needs_consent, active, bool(suppressed), bool(restricted), granted, method)
    return reason if identifier.account is not None else address_reason(reason, needs_consent=needs_consent)


def _reason(needs_consent: bool, active: bool, suppressed: bool, restricted: bool, granted, method) -> str:
    # The order of may_contact: the account, the suppression list, restrictions, then the choice.
    if not active:
        return Reason.ACCOUNT_CLOSED
    if suppressed:
        return Reason.SUPPRESSED
    if restricted:
        return Reason.RESTRICTED
    if granted:
        return Reason.ALLOWED
    if granted is None:
        return Reason.NO_CONSENT if needs_consent else Reason.ALLOWED
    if method == ConsentEvent.Method.GPC:
        return Reason.GPC
    return Reason.NO_CONSENT if needs_consent else Reason.OBJECTED


# --- Feeds: what changed since a cursor -----------------------------------------------------------
#
# Ids and times are taken when a row is written, but rows become visible when their transaction
# commits, in whatever order the transactions end: a row with a lower id (or an earlier time) can
# appear after a later one was read, behind the reader's cursor, and a plain "after the cursor"
# would never serve it. So a feed serves only settled rows, written at least the safety lag ago
# (settings.API_FEED_SAFETY_LAG_SECONDS, longer than any transaction writing them), when every
# row before them has committed. A warehouse sees a change that much later; a consent check is
# answered from the live tables and needs no lag.


def feed_settled_before() -> datetime:
    """Rows written at or before this instant are settled: safe to serve and step past."""
    return timezone.now() - timedelta(seconds=settings.API_FEED_SAFETY_LAG_SECONDS)


def suppression_feed(*, after: int, limit: int) -> list[Suppression]:
    """The settled suppressions after id ``after``, by id. The page ends before the first row not
    yet settled, even when a later one is: that row's id was taken first, so rows between may
    still be committing."""
    settled_before = feed_settled_before()
    page = []
    for row in Suppression.objects.filter(pk__gt=after).order_by("pk")[:limit]:
        if row.created_at > settled_before:
            break
        page.append(row)
    return page


def restriction_feed(*, after: datetime | None, after_id: int, limit: int) -> list[ProcessingRestriction]:
    """Restrictions placed or lifted since the cursor (updated_at, id), oldest change first,
    settled ones only (ordered by the time itself, so a filter is enough)."""
    rows = ProcessingRestriction.objects.select_related("subject").prefetch_related("purposes")
    rows = rows.filter(updated_at__lte=feed_settled_before())
    if after is not None:
        rows = rows.filter(Q(updated_at__gt=after) | Q(updated_at=after, pk__gt=after_id))
    return list(rows.order_by("updated_at", "pk")[:limit])


# --- Webhooks: who is owed an event, the secrets that sign it, how deliveries went -------------


def subscriptions_for(event_type: str, *, filed: SubjectRequest | None = None) -> list[WebhookSubscription]:
    """The active subscriptions to ``event_type`` of live clients whose scopes allow it; with
    ``filed`` (a request), only those of the clients that filed it. One query: subscriptions are
    few, and the event types (a JSON list) are matched here, the same on SQLite and PostgreSQL."""
    now = timezone.now()
    found = WebhookSubscription.objects.filter(active=True, client__revoked_at__isnull=True).filter(
        Q(client__expires_at__isnull=True) | Q(client__expires_at__gt=now)
    )
    if filed is not None:
        found = found.filter(client__in=ApiFiledRequest.objects.filter(subject_request=filed).values("client_id"))
    return [
        s
        for s in found.select_related("client").order_by("pk")
        if event_type in (s.event_types or []) and event_allowed(event_type, s.client.scopes)
    ]


def subscription_secrets_for(subscription_id: str) -> list[str]:
    """The secrets a subscription's events are signed with (the outbox's Endpoint): none once the
    subscription is inactive or its client revoked or expired, so the relay sends nothing more."""
    subscription = WebhookSubscription.objects.select_related("client").filter(pk=int(subscription_id)).first()
    if subscription is None or not subscription.active or not subscription.client.is_live():
        return []
    return plain_secrets(subscription.secrets.all())


@dataclass(frozen=True)
class Delivery:
    """How a subscription's events are going, for the admin."""

    last_delivered_at: datetime | None = None
    pending: int = 0
    failing: int = 0  # pending after a failed attempt: the receiver is down or refusing
    given_up: int = 0
    last_error: str = ""


def deliveries_of(subscription_ids: list[int]) -> dict[int, Delivery]:
    """Per subscription, from the outbox: two grouped queries for any number of subscriptions."""
    events = WebhookEvent.objects.filter(endpoint=WEBHOOK_ENDPOINT, endpoint_id__in=[str(i) for i in subscription_ids])
    State = WebhookEvent.State
    rows = events.values("endpoint_id").annotate(
        last_delivered_at=Max("delivered_at", filter=Q(state=State.DELIVERED)),
        pending=Count("pk", filter=Q(state=State.PENDING)),
        failing=Count("pk", filter=Q(state=State.PENDING, attempts__gt=0) & ~Q(last_error="")),
        given_up=Count("pk", filter=Q(state=State.FAILED)),
    )
    errors: dict[str, str] = {}
    for endpoint_id, error in (
        events.exclude(last_error="")
        .order_by("endpoint_id", "-updated_at", "-pk")
        .values_list("endpoint_id", "last_error")
    ):
        errors.setdefault(endpoint_id, error)
    return {
        int(row["endpoint_id"]): Delivery(
            last_delivered_at=row["last_delivered_at"],
            pending=row["pending"],
            failing=row["failing"],
            given_up=row["given_up"],
            last_error=errors.get(row["endpoint_id"], ""),
        )
        for row in rows
    }
