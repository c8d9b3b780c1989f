"""Reads: the current policy, current choices, "may we contact X", and campaign audiences."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.accounts.models import User
from apps.consent.models import (
    ConsentEvent,
    ConsentState,
    PolicyVersion,
    ProcessingRestriction,
    Purpose,
    Suppression,
)
from apps.core.clock import organisation_today
from apps.personal_data.domain import address_hash


def current_policy() -> PolicyVersion | None:
    """The policy in force today (a later version may already be published, not yet effective)."""
    return PolicyVersion.objects.filter(effective_on__lte=organisation_today()).order_by("-effective_on", "-pk").first()


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


def _restricted(purpose_ids) -> Q:
    """Accounts with a restriction in force that covers the purpose (none chosen: everything)."""
    in_force = ProcessingRestriction.objects.filter(subject=OuterRef("pk"), lifted_at__isnull=True)
    covering = in_force.filter(Q(purposes__isnull=True) | Q(purposes__in=purpose_ids))
    return Exists(covering)


def _suppression_of(purpose: Purpose) -> Q:
    """Suppressions that stop ``purpose``: of the purpose itself, or of all marketing on its channel."""
    return Q(channel=purpose.channel, purpose_code__in=["", purpose.code])


def _suppressed(purpose: Purpose) -> Exists:
    return Exists(Suppression.objects.filter(_suppression_of(purpose), address_hash=OuterRef("email_hash")))


def campaign_audience(purpose: Purpose) -> QuerySet[User]:
    """Everyone we may contact for ``purpose``: consenting, active, not restricted, not suppressed.

    One query; stream it with .iterator() for flat memory.
    """
    audience = User.objects.filter(
        is_active=True,
        status=User.Status.ACTIVE,
        consent_states__purpose=purpose,
        consent_states__granted=True,
    )
    audience = audience.exclude(_restricted([purpose.pk]))
    if purpose.channel:
        audience = audience.exclude(_suppressed(purpose))
    return audience.order_by("pk")


def may_contact(subject: User, *, channel: str, purpose: Purpose | str) -> bool:
    """May we contact ``subject`` via ``channel`` for ``purpose`` (a Purpose or its code)?"""
    if isinstance(purpose, str):
        purpose = Purpose.objects.filter(code=purpose).first()
    if purpose is None or not purpose.is_active or (purpose.channel and purpose.channel != channel):
        return False
    if not subject.is_active or subject.status != User.Status.ACTIVE:
        return False
    if Suppression.objects.filter(_suppression_of(purpose), address_hash=address_hash(subject.email)).exists():
        return False
    if User.objects.filter(pk=subject.pk).filter(_restricted([purpose.pk])).exists():
        return False
    state = ConsentState.objects.filter(subject=subject, purpose=purpose).only("granted").first()
    if purpose.needs_consent:
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
        .filter(_restricted(Purpose.objects.filter(partner=recipient).values("pk")))
        .exists()
    )


def is_restricted(subject: User) -> bool:
    return ProcessingRestriction.objects.filter(subject=subject, lifted_at__isnull=True).exists()
