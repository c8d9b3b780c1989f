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


def api_key_authenticate(presented: str) -> ApiKey | None:
    """The live key ``presented`` names (with its client), or None: unknown, wrong, revoked or expired."""
    prefix = key_parse(presented)
    if prefix is None:
        return None
    key = ApiKey.objects.select_related("client").filter(prefix=prefix).first()
    if key is None or not key_matches(presented, key.digest):
        return None
    now = timezone.now()
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return None
    if not key.client.is_live(now):
        return None
    return key


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


def purpose_for_check(code: str) -> Purpose | None:
    return Purpose.objects.filter(code=code).first()


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
    if channel and purpose.channel and channel != purpose.channel:
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
    for identifier in identifiers:
        found = by_reference.get(identifier.account) if identifier.account else by_hash.get(identifier.email_hash)
        if found is None:
            # No account: the same answer as an account that never consented, so a check never
            # tells a client whether an address has an account here.
            suppressed = identifier.email_hash in suppressed_addresses
            found = Reason.SUPPRESSED if suppressed else Reason.NO_CONSENT
        yield identifier, found


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


def consent_reason_for(*, subject: User, purpose: Purpose, choice: ConsentEvent | None = None) -> str:
    """What consent:check would answer for this account and purpose now (the check's own
    selector, consent_decisions), for the webhooks. ``choice``: a ledger event being written,
    which the account's current-state row does not hold yet (consent_record updates it after
    the event's post_save); it stands in for the stored choice, below the account, the
    suppression list and restrictions, which it does not change."""
    identifier = Identifier(given=str(subject.reference), kind="account", account=subject.reference)
    ((_identifier, reason),) = consent_decisions(purpose=purpose, channel="", identifiers=[identifier])
    if choice is None or reason not in (Reason.ALLOWED, Reason.NO_CONSENT, Reason.OBJECTED, Reason.GPC):
        return reason
    return _reason(purpose.needs_consent, True, False, False, choice.granted, choice.method)


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


def subscription_refusal(subscription_id: str, event_type: str) -> str:
    """Why an owed event may no longer go to this subscription (the outbox's Endpoint, asked at
    send time), empty when it may: a scope taken away, an event unticked, the subscription made
    inactive, the client revoked or expired since the event was written. The relay gives such an
    event up at once, so extending an expired client later does not deliver a stale backlog."""
    subscription = WebhookSubscription.objects.select_related("client").filter(pk=int(subscription_id)).first()
    if subscription is None or not subscription.active:
        return "The subscription is gone or inactive."
    client = subscription.client
    if client.revoked_at is not None:
        return "The client was revoked."
    if not client.is_live():
        return "The client has expired."
    if event_type not in (subscription.event_types or []) or not event_allowed(event_type, client.scopes):
        return "The subscription or the client's scopes no longer allow this event."
    return ""


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
