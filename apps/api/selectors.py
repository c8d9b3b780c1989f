"""Reads of the API app: who is calling (a key's client), the consent answers, the feeds, the
person behind a token, and the call counts the admin shows."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from apps.accounts.models import User
from apps.api.domain import PERSON_TOKEN_MAX_AGE, PERSON_TOKEN_SALT, key_digest, key_matches, key_parse
from apps.api.models import ApiCall, ApiClient, ApiKey, IdempotencyRecord
from apps.consent.models import ConsentEvent, ProcessingRestriction, Purpose, Suppression
from apps.consent.selectors.ledger import restricted_for, suppressions_of
from apps.personal_data.domain import address_hash

HEX = frozenset("0123456789abcdef")


# A key and its client are cached for a short while, so a check does not read them on every call.
# The entries hang off a version number that every change of a client or key bumps (services:
# api_keys_changed), so a revoked key fails on its next call; the version is read before the
# database, so an answer read before a revocation is never filed under the version after it.
KEY_CACHE_VERSION = "api:keys:version"
KEY_CACHE_SECONDS = 60


def api_key_cache_version() -> int:
    return cache.get(KEY_CACHE_VERSION) or 0


def api_key_authenticate(presented: str) -> tuple[ApiKey, bool] | None:
    """The live key ``presented`` names (with its client), and whether it came from the database
    rather than the cache; None for an unknown, wrong, revoked or expired key."""
    prefix = key_parse(presented)
    if prefix is None:
        return None
    digest = key_digest(presented)
    entry = f"api:key:{api_key_cache_version()}:{digest}"
    key, fresh = cache.get(entry), False
    if key is None:
        key, fresh = ApiKey.objects.select_related("client").filter(prefix=prefix).first(), True
        if key is None or not key_matches(presented, key.digest):
            return None
        cache.set(entry, key, KEY_CACHE_SECONDS)
    now = timezone.now()
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return None
    if not key.client.is_live(now):
        return None
    return key, fresh


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


def suppression_feed(*, after: int, limit: int) -> QuerySet[Suppression]:
    return Suppression.objects.filter(pk__gt=after).order_by("pk")[:limit]


def restriction_feed(*, after: datetime | None, after_id: int, limit: int) -> list[ProcessingRestriction]:
    """Restrictions placed or lifted since the cursor (updated_at, id), oldest change first."""
    rows = ProcessingRestriction.objects.select_related("subject").prefetch_related("purposes")
    if after is not None:
        rows = rows.filter(Q(updated_at__gt=after) | Q(updated_at=after, pk__gt=after_id))
    return list(rows.order_by("updated_at", "pk")[:limit])
