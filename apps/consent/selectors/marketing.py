"""Reads for marketing email: what a campaign may be for and whom it reaches, why someone may not be
contacted, which marketing is on for a person, and what an unsubscribe token names."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.consent.domain.marketing import unsubscribe_token_unsign
from apps.consent.models import Mailing, ProcessingRestriction, Purpose, Suppression
from apps.consent.selectors.ledger import may_contact, restricted_for, states_for, suppressions_of
from apps.personal_data.domain import address_hash

EMAIL = Purpose.Channel.EMAIL


def campaign_purposes() -> QuerySet[Purpose]:
    """What a campaign may be sent for: active marketing purposes whose channel is email."""
    return Purpose.objects.filter(
        kind=Purpose.Kind.PROCESSING, is_active=True, is_marketing=True, channel=EMAIL
    ).order_by("display_order", "code")


def _suppressed(purpose: Purpose) -> Exists:
    return Exists(Suppression.objects.filter(suppressions_of(purpose), address_hash=OuterRef("email_hash")))


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
    audience = audience.exclude(restricted_for([purpose.pk]))
    if purpose.channel:
        audience = audience.exclude(_suppressed(purpose))
    return audience.order_by("pk")


def campaign_mailing_audience(mailing: Mailing) -> QuerySet[User]:
    """A campaign's audience for the batched sender (``apps.consent.mailing``), as it is now."""
    purpose = mailing.purpose
    # A purpose switched off (or moved off email) after the campaign was queued sends nothing more.
    if purpose is None or not purpose.is_active or not purpose.is_marketing or purpose.channel != EMAIL:
        return User.objects.none()
    return campaign_audience(purpose)


def contact_refusal_reason(user: User, purpose: Purpose) -> str:
    """Why ``may_contact`` says no, in words (for the preview command); "" if it says yes."""
    if may_contact(user, channel=EMAIL, purpose=purpose):
        return ""
    if not purpose.is_active:
        return _("the purpose is switched off")
    if purpose.channel != EMAIL:
        return _("the purpose is not an email purpose")
    if not user.is_active or user.status != User.Status.ACTIVE:
        return _("the account is closed")
    suppression = Suppression.objects.filter(
        address_hash=address_hash(user.email), channel=EMAIL, purpose_code__in=["", purpose.code]
    ).first()
    if suppression is not None:
        return _("the address is on the suppression list since %(when)s (%(why)s)") % {
            "when": f"{suppression.created_at:%Y-%m-%d}",
            "why": suppression.get_reason_display(),
        }
    restricted = ProcessingRestriction.objects.filter(subject=user, lifted_at__isnull=True).filter(
        Q(purposes__isnull=True) | Q(purposes=purpose)
    )
    if restricted.exists():
        return _("processing of their data is restricted")
    return _("they have not consented to this purpose")


def marketing_purposes_on(subject: User) -> list[Purpose]:
    """Active marketing purposes we may use for ``subject`` now, judged by their choices alone."""
    states = states_for(subject=subject)
    purposes = Purpose.objects.filter(kind=Purpose.Kind.PROCESSING, is_active=True, is_marketing=True).order_by(
        "display_order", "code"
    )
    on = []
    for purpose in purposes:
        state = states.get(purpose.pk)
        if state.granted if state is not None else not purpose.needs_consent:
            on.append(purpose)
    return on


@dataclass(frozen=True)
class UnsubscribeRequest:
    """What a valid token names; either may be gone since the email was sent."""

    subject: User | None
    purpose: Purpose | None


def unsubscribe_token_read(token: str) -> UnsubscribeRequest | None:
    """The account and purpose of a genuine token; None for a forged, altered or malformed one."""
    named = unsubscribe_token_unsign(token)
    if named is None:
        return None
    reference, code = named
    return UnsubscribeRequest(
        subject=User.objects.filter(reference=reference).first(),
        purpose=Purpose.objects.filter(code=code).first(),
    )
