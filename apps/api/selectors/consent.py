"""The consent answers: may this purpose be used for this person now (one statement per check,
one per batch), and what a check would answer for a webhook."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, Value
from django.db.models.expressions import RawSQL

from apps.accounts.models import User
from apps.consent.models import ConsentEvent, Purpose, Suppression
from apps.consent.selectors.ledger import restricted_for, suppressions_of
from apps.core.db import prepared_cursor
from apps.personal_data.domain import address_hash

HEX = frozenset("0123456789abcdef")

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


def _hash_list(hashes: set[str]) -> RawSQL:
    """Keyed address hashes (hex, so never a comma) as one parameter, not one placeholder each:
    with 10 000 hashes Django's ``__in`` spent longer preparing the placeholders than the
    database spent answering, and SQLite caps the number of placeholders of a statement. One
    comma-separated string, split by PostgreSQL: quoting 10 000 hashes as an array took 40 ms
    (one regular expression per element), a seventh of the batch."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(string_to_array(%s, ','))", [",".join(hashes)])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(list(hashes))])


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
    named = Q(email_hash__in=_hash_list(hashes)) if hashes else Q(pk__in=[])
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
    # Tuples, not dicts, and one reason per account, worked out as its row arrives. The reference
    # only when one was asked: read into a UUID for each row, it took a third of a batch by address.
    rows = accounts.values_list(
        "reference" if references else "email_hash",
        "email_hash",
        "is_active",
        "status",
        "granted",
        "method",
        "restricted",
        "suppressed",
    )
    by_reference: dict[uuid.UUID, str] = {}
    by_hash: dict[str, str] = {}
    needs_consent = purpose.needs_consent
    for reference, email_hash, is_active, status, granted, method, restricted, suppressed in rows:
        reason = _reason(
            needs_consent, is_active and status == User.Status.ACTIVE, suppressed, restricted, granted, method
        )
        if references:
            by_reference[reference] = reason
        if email_hash:
            by_hash[email_hash] = reason
    suppressed_addresses: set[str] = set()
    unmatched = hashes - by_hash.keys()
    if purpose.channel and unmatched:
        suppressed_addresses = set(
            Suppression.objects.filter(suppressions_of(purpose), address_hash__in=_hash_list(unmatched)).values_list(
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
FROM (SELECT {asked}) q
LEFT JOIN accounts_user u ON {match}
LEFT JOIN consent_consentstate s ON s.subject_id = u.id AND s.purpose_id = %s
"""
# Prepared on PostgreSQL (apps/core/db.py: planning it cost eight times running it), where a
# bound parameter in a bare SELECT needs its type; SQLite has no uuid type to cast to.
_ASKED = {"postgresql": "CAST(%s AS text) AS h, CAST(%s AS uuid) AS r", "sqlite": "%s AS h, %s AS r"}
_ONE = {
    (vendor, by): _ONE_SQL.format(asked=asked, match=match)
    for vendor, asked in _ASKED.items()
    for by, match in (("address", "u.email_hash = q.h"), ("account", "u.reference = q.r"))
}


def consent_decision(*, purpose: Purpose, channel: str, identifier: Identifier) -> str:
    """The reason for one person, as consent_decisions gives it, in one statement."""
    if not purpose.is_active:
        return Reason.PURPOSE_INACTIVE
    if purpose.channel and channel != purpose.channel:
        return Reason.WRONG_CHANNEL
    reference = None
    if identifier.account is not None:
        reference = User._meta.get_field("reference").get_db_prep_value(identifier.account, connection)
    sql = _ONE[connection.vendor, "account" if identifier.account is not None else "address"]
    params = [purpose.pk, purpose.channel or "-", purpose.code, identifier.email_hash, reference, purpose.pk]
    # A purpose without a channel meets no suppression list: "-" is no channel, so nothing matches.
    with prepared_cursor() as cursor:
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


def consent_reason_for(*, subject: User, purpose: Purpose, choice: ConsentEvent | None = None) -> str:
    """What consent:check would answer for this account and purpose now (the check's own
    selector, consent_decisions), for the webhooks. ``choice``: a ledger event being written,
    which the account's current-state row does not hold yet (consent_record updates it after
    the event's post_save); it stands in for the stored choice, below the account, the
    suppression list and restrictions, which it does not change."""
    identifier = Identifier(given=str(subject.reference), kind="account", account=subject.reference)
    # Asked on the purpose's own channel (the event names it): a contact purpose is never
    # allowed on another, or on none.
    channel = purpose.channel or ""
    ((_identifier, reason),) = consent_decisions(purpose=purpose, channel=channel, identifiers=[identifier])
    if choice is None or reason not in (Reason.ALLOWED, Reason.NO_CONSENT, Reason.OBJECTED, Reason.GPC):
        return reason
    return _reason(purpose.needs_consent, True, False, False, choice.granted, choice.method)
