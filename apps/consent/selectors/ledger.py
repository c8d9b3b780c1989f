"""Reads of the ledger: purposes to ask, current choices, "may we contact X", restrictions,
suppressions, a subject's consent receipt and the consent rate per purpose over time.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.selectors import organisation_get
from apps.consent.domain.ledger import month_end, rate_chart_layout
from apps.consent.models import ConsentEvent, ConsentState, ProcessingRestriction, Purpose, Suppression
from apps.core.charts import CHART_COLOURS, last_months
from apps.core.clock import organisation_today
from apps.core.http import site_url
from apps.personal_data.domain import address_hash, subject_reference


def purposes_to_ask(kind: str = Purpose.Kind.PROCESSING) -> QuerySet[Purpose]:
    """Active purposes a customer chooses for themself (those based on consent)."""
    return Purpose.objects.filter(kind=kind, is_active=True, legal_basis=Purpose.LegalBasis.CONSENT).select_related(
        "partner"
    )


def signup_purposes() -> QuerySet[Purpose]:
    """The choices offered at sign-up: marketing by the company itself (partners come later, asked apart)."""
    return purposes_to_ask().filter(is_marketing=True, partner__isnull=True)


def states_for(*, subject: User | None = None, visitor_id: str = "") -> dict[int, ConsentState]:
    """Current choices by purpose id; a purpose without a row has never been answered (so: off)."""
    if subject is not None:
        rows = ConsentState.objects.filter(subject=subject)
    elif visitor_id:
        rows = ConsentState.objects.filter(subject__isnull=True, visitor_id=visitor_id)
    else:
        return {}
    return {state.purpose_id: state for state in rows}


def events_for(*, subject: User) -> QuerySet[ConsentEvent]:
    return ConsentEvent.objects.filter(subject=subject).select_related("purpose", "policy_version", "actor")


def gpc_refused_purpose_ids(subject: User) -> set[int]:
    """Purposes for which a Global Privacy Control refusal was ever recorded for ``subject``."""
    return set(
        ConsentEvent.objects.filter(subject=subject, method=ConsentEvent.Method.GPC).values_list(
            "purpose_id", flat=True
        )
    )


def restricted_for(purpose_ids) -> Exists:
    """Accounts with a restriction in force that covers the purpose (none chosen: everything)."""
    in_force = ProcessingRestriction.objects.filter(subject=OuterRef("pk"), lifted_at__isnull=True)
    covering = in_force.filter(Q(purposes__isnull=True) | Q(purposes__in=purpose_ids))
    return Exists(covering)


def suppressions_of(purpose: Purpose) -> Q:
    """Suppressions that stop ``purpose``: of the purpose itself, or of all marketing on its channel."""
    return Q(channel=purpose.channel, purpose_code__in=["", purpose.code])


def may_contact(subject: User, *, channel: str, purpose: Purpose | str) -> bool:
    """May we contact ``subject`` via ``channel`` for ``purpose`` (a Purpose or its code)?"""
    found = Purpose.objects.filter(code=purpose).first() if isinstance(purpose, str) else purpose
    if found is None or not found.is_active or (found.channel and found.channel != channel):
        return False
    if not subject.is_active or subject.status != User.Status.ACTIVE:
        return False
    if Suppression.objects.filter(suppressions_of(found), address_hash=address_hash(subject.email)).exists():
        return False
    if User.objects.filter(pk=subject.pk).filter(restricted_for([found.pk])).exists():
        return False
    state = ConsentState.objects.filter(subject=subject, purpose=found).only("granted").first()
    if found.needs_consent:
        return bool(state and state.granted)
    # Legitimate interest: allowed until the person objects (a withdrawn state).
    return state is None or state.granted


def partner_consent_given(*, subject: User, recipient) -> bool:
    """Has ``subject`` consented, now, to sharing with this marketing partner (P-20)?"""
    return (
        ConsentState.objects.filter(
            subject=subject, purpose__partner=recipient, purpose__is_active=True, granted=True
        ).exists()
        and not User.objects.filter(pk=subject.pk)
        .filter(restricted_for(Purpose.objects.filter(partner=recipient).values("pk")))
        .exists()
    )


def is_restricted(subject: User) -> bool:
    return ProcessingRestriction.objects.filter(subject=subject, lifted_at__isnull=True).exists()


# --- Consent receipts -------------------------------------------------------------------------
#
# A subject's current consents as JSON with the Kantara Initiative's Consent Receipt (v1.1)
# fields, for officers to hand over as proof and for the data export. A receipt is built from the
# ledger and the derived state at the time it is asked for; its id is derived from the events it
# covers, so the same evidence always gives the same receipt id.

RECEIPT_VERSION = "KI-CR-v1.1.0"
COLLECTION_METHODS: dict[str, str] = {
    ConsentEvent.Method.SIGNUP: "web form at sign-up",
    ConsentEvent.Method.ACCOUNT_PAGE: "Your Account privacy choices page",
    ConsentEvent.Method.COOKIE_BANNER: "cookie banner",
    ConsentEvent.Method.COOKIE_SETTINGS: "cookie settings page",
    ConsentEvent.Method.CARRIED_AT_SIGN_IN: "choice made before sign-in, carried to the account",
    ConsentEvent.Method.OFFICER: "recorded by a privacy officer on the subject's behalf",
    ConsentEvent.Method.IMPORT: "imported from an earlier system",
    ConsentEvent.Method.REQUEST: "data-subject request",
}


def _purpose_entry(purpose: Purpose, state: ConsentState) -> dict:
    event = state.last_event
    return {
        "purpose": purpose.description("en"),
        "purposeCategory": [purpose.code],
        "consentType": "EXPLICIT",
        "piiCategory": ["email address", "name"] if purpose.channel == Purpose.Channel.EMAIL else ["contact details"],
        "primaryPurpose": False,
        "termination": "until withdrawn on Your Account > Privacy choices or through any unsubscribe link",
        "thirdPartyDisclosure": purpose.partner_id is not None,
        "thirdPartyName": purpose.partner.name if purpose.partner is not None else "",
        # Beyond the standard fields: the evidence behind this consent.
        "grantedAt": event.recorded_at.isoformat(),
        "method": event.method,
        "policyVersion": event.policy_version.version if event.policy_version is not None else "",
        "language": event.language,
        "shownTextSha256": event.text_hash,
        "ledgerEvent": str(event.reference),
    }


# How a receipt says that nothing was agreed to: the Kantara fields are required even then.
NO_CONSENT_METHOD = "no optional purpose agreed to"


def postal_address(text: str, country: str) -> dict[str, str]:
    """The controller's registered address (free text, one part a line) as the schema.org
    PostalAddress the receipt's ``address`` is: the street lines, then the town with its
    postcode, then (optionally) the country's name, which the ISO code replaces."""
    lines = [line.strip(" ,") for line in text.replace("\r", "").split("\n") if line.strip(" ,")]
    if len(lines) > 2 and not any(ch.isdigit() for ch in lines[-1]):
        lines = lines[:-1]  # "United Kingdom": said by addressCountry
    street, town = (lines[:-1], lines[-1]) if len(lines) > 1 else (lines, "")
    postcode = ""
    match = POSTCODE.search(town)
    if match:
        postcode, town = match.group(0).strip(), (town[: match.start()] + town[match.end() :]).strip(" ,")
    return {
        "streetAddress": ", ".join(street),
        "addressLocality": town,
        "postalCode": postcode,
        "addressCountry": country,
    }


# A postcode at the end of the town line: the UK's ("EC1A 1AA") or a group of digits ("100000", "94105").
POSTCODE = re.compile(r"(?:\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|\b\d{4,6}(?:-\d{4})?)\s*$")


def consent_receipt(subject: User) -> dict:
    """The subject's consents in force now, as a Kantara Consent Receipt v1.1: every required field
    filled and well-formed (tests/consent/test_receipt.py checks it against the specification's list)."""
    states = list(
        ConsentState.objects.filter(subject=subject, granted=True, purpose__legal_basis=Purpose.LegalBasis.CONSENT)
        .select_related("purpose__partner", "last_event__policy_version")
        .order_by("purpose__display_order", "purpose__code")
    )
    controller = organisation_get()
    evidence = ",".join(str(state.last_event.reference) for state in states)
    receipt_id = uuid.UUID(hashlib.sha256(f"{subject.reference}|{evidence}".encode()).hexdigest()[:32])
    latest = max((state.last_event for state in states), key=lambda e: e.recorded_at, default=None)
    policy = None  # the policy in effect when the choice the receipt dates was made
    if latest is not None:
        when, method = latest.recorded_at, COLLECTION_METHODS.get(latest.method, latest.method)
        policy = latest.policy_version
    else:
        # Nothing in force: the receipt records the subject's last choice (a refusal or a
        # withdrawal), or the sign-up where nothing was ticked; never the time it was generated.
        last_choice = events_for(subject=subject).order_by("-recorded_at", "-pk").first()
        if last_choice is not None:
            when, policy = last_choice.recorded_at, last_choice.policy_version
            method = f"{NO_CONSENT_METHOD}: {COLLECTION_METHODS.get(last_choice.method, last_choice.method)}"
        else:
            when, method = subject.date_joined, f"{NO_CONSENT_METHOD}: {COLLECTION_METHODS[ConsentEvent.Method.SIGNUP]}"
    country = controller.country if controller else ""
    return {
        "version": RECEIPT_VERSION,
        # The subject's jurisdiction (their account's country), else the controller's.
        "jurisdiction": str(subject.country or "") or country or getattr(settings, "CONTROLLER_COUNTRY", ""),
        "consentTimestamp": int(when.timestamp()),
        "collectionMethod": method,
        "consentReceiptID": str(receipt_id),
        "language": subject.preferred_language,
        "piiPrincipalId": subject_reference(subject),
        "piiControllers": [
            {
                "piiController": controller.name if controller else "",
                "onBehalf": False,
                # A contact NAME (the spec's "contact"); the address to write to is "email".
                "contact": (controller.contact_name or controller.dpo_name or controller.name) if controller else "",
                "address": postal_address(controller.address, country) if controller else postal_address("", ""),
                "email": (controller.dpo_email or controller.contact_email) if controller else "",
                "phone": controller.phone if controller else "",
                "piiControllerUrl": site_url("/"),
            }
        ],
        # Kantara: the policy in effect when consent was obtained, not the one in force now.
        "policyUrl": site_url(
            reverse("consent:policy_version", kwargs={"version": policy.version})
            if policy is not None
            else reverse("consent:policy_current")
        ),
        "services": [
            {
                "service": "Privacy Portal customer account",
                "purposes": [_purpose_entry(state.purpose, state) for state in states],
            }
        ],
        "sensitive": False,
        "spiCat": [],
    }


# --- Consent rate per purpose over time (the officers' chart on the purposes page, P-14) --------
#
# The rate at the end of a month is the share of accounts that existed then whose latest choice
# for the purpose was "on". It is rebuilt from the ledger, not from the current state, so a
# month's figure does not change when someone changes their mind later; the walk over the ledger
# is cached for a few minutes because the ledger only grows.

RATES_CACHE_SECONDS = 300


def _net_changes_by_month(purpose_ids: list[int], month_ends: list[datetime]) -> dict[int, list[int]]:
    """Per purpose, how many accounts switched on minus switched off, per month (index)."""
    # Index 0 also takes everything before the first month: the running total starts there.
    changes = {pk: [0] * len(month_ends) for pk in purpose_ids}
    events = (
        ConsentEvent.objects.filter(purpose_id__in=purpose_ids, recorded_at__lt=month_ends[-1])
        .exclude(subject_reference="")
        .order_by("subject_reference", "purpose_id", "recorded_at", "id")
        .values_list("subject_reference", "purpose_id", "granted", "recorded_at")
    )
    current_key, was = None, False
    for reference, purpose_id, granted, recorded_at in events.iterator(chunk_size=5000):
        if (reference, purpose_id) != current_key:
            current_key, was = (reference, purpose_id), False
        if granted != was:  # only a change of mind moves the count; "off" at sign-up does not
            index = next(i for i, end in enumerate(month_ends) if recorded_at < end)
            changes[purpose_id][index] += 1 if granted else -1
            was = granted
    return changes


def consent_rates(*, today: date | None = None) -> dict:
    """Monthly consent rate (percent) per consent-based processing purpose, last 12 months."""
    today = today or organisation_today()
    key = f"consent:rates:{today.isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    months = last_months(today)
    month_ends = [month_end(month) for month in months]
    purposes = list(
        Purpose.objects.filter(kind=Purpose.Kind.PROCESSING, legal_basis=Purpose.LegalBasis.CONSENT).order_by(
            "display_order", "code"
        )
    )
    accounts = User.objects.aggregate(
        **{f"m{i}": Count("pk", filter=Q(date_joined__lt=end)) for i, end in enumerate(month_ends)}
    )
    totals = [accounts[f"m{i}"] for i in range(len(months))]
    changes = _net_changes_by_month([p.pk for p in purposes], month_ends)
    series = []
    for index, purpose in enumerate(purposes):
        consenting, running = [], 0
        for month_index in range(len(months)):
            running += changes[purpose.pk][month_index]
            consenting.append(running)
        rates = [round(100 * n / total, 1) if total else 0.0 for n, total in zip(consenting, totals, strict=True)]
        series.append(
            {
                "code": purpose.code,
                "label": purpose.name(),
                "colour": CHART_COLOURS[index % len(CHART_COLOURS)],
                "consenting": consenting,
                "rates": rates,
                "table": list(zip(consenting, rates, strict=True)),
            }
        )
    result = {"months": months, "accounts": totals, "series": series, "chart": rate_chart_layout(months, series)}
    cache.set(key, result, RATES_CACHE_SECONDS)
    return result


def choices_overview_card(user: User):
    """Your Account overview: how many uses of the customer's data are switched on (P-17)."""
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from apps.core.navigation import OverviewCard

    asked = purposes_to_ask()
    on = ConsentState.objects.filter(subject=user, granted=True, purpose__in=asked).count()
    total = asked.count()
    return OverviewCard(
        key="choices",
        title=_("Privacy choices"),
        state=_("%(on)d of %(total)d on") % {"on": on, "total": total},
        detail=ngettext(
            "%(count)d use of your data that needs your consent is switched on.",
            "%(count)d uses of your data that need your consent are switched on.",
            on,
        )
        % {"count": on},
        action_label=_("Review your privacy choices"),
        action_url=reverse("consent:choices"),
    )
