"""Marketing email (P-10, P-11, P-12): unsubscribe tokens, the message, campaigns, unsubscribing.

Every marketing email carries a visible unsubscribe link and the one-click headers of RFC 8058,
so a mail client's "Unsubscribe" button works without the person signing in. Administrative
mail (verification, security, request updates, policy notices) never goes through here and
carries no unsubscribe header: nobody may opt out of being told about their own account.

Importing this module registers the MARKETING kind of ``apps.consent.mailings`` (done in
``ConsentConfig.ready``), so the batched sender knows whom a campaign goes to and what it says.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.selectors import organisation_get
from apps.consent import selectors
from apps.consent.mailings import MAILING_KINDS, MailingKind, mailing_queue
from apps.consent.models import ConsentEvent, Mailing, ProcessingRestriction, Purpose, Suppression
from apps.consent.services import Context, consent_record, suppress_address
from apps.core.actors import SystemActor, record_actor
from apps.personal_data.domain import address_hash

EMAIL = Purpose.Channel.EMAIL

# --- Unsubscribe tokens -------------------------------------------------------------------------
#
# A token names the account by its opaque reference and the purpose by its code: nothing a
# reader of the URL (or of a forwarded email) learns about the person. It is signed with
# SECRET_KEY under its own salt, so no other signed value of the site can stand in for it, and
# it does not depend on the password, so a password change leaves old emails' links working.
#
# It never expires, on purpose. A person may click "Unsubscribe" in an email years old, and
# mail providers call the one-click address whenever the person presses their button; a link
# that had stopped working would make withdrawing harder than consenting was. The most a
# leaked token allows is switching marketing *off* for one account, which is the safe side.
# Rotating SECRET_KEY would break old links: keep the old key in SECRET_KEY_FALLBACKS.

UNSUBSCRIBE_SALT = "apps.consent.marketing.unsubscribe"


def _signer() -> signing.Signer:
    return signing.Signer(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User, purpose: Purpose) -> str:
    return _signer().sign_object([user.reference.hex, purpose.code])


@dataclass(frozen=True)
class UnsubscribeRequest:
    """What a valid token names; either may be gone since the email was sent."""

    subject: User | None
    purpose: Purpose | None


def unsubscribe_token_read(token: str) -> UnsubscribeRequest | None:
    """The account and purpose of a genuine token; None for a forged, altered or malformed one."""
    try:
        reference, code = _signer().unsign_object(token)
        reference = uuid.UUID(hex=reference)
    except (signing.BadSignature, TypeError, ValueError, UnicodeError):
        return None
    if not isinstance(code, str):
        return None
    return UnsubscribeRequest(
        subject=User.objects.filter(reference=reference).first(),
        purpose=Purpose.objects.filter(code=code).first(),
    )


def unsubscribe_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("consent:unsubscribe", args=[token])


def unsubscribe_mailbox() -> str:
    """The address of the mailto: fallback, at the domain mail is sent from."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"unsubscribe@{domain}"


def list_unsubscribe_headers(token: str) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe with RFC 8058 one-click: the HTTPS address first, mailto second."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(token)}>, <mailto:{unsubscribe_mailbox()}?subject=unsubscribe-{token}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# --- The message --------------------------------------------------------------------------------


def campaign_purposes() -> QuerySet[Purpose]:
    """What a campaign may be sent for: active marketing purposes whose channel is email."""
    return Purpose.objects.filter(
        kind=Purpose.Kind.PROCESSING, is_active=True, is_marketing=True, channel=EMAIL
    ).order_by("display_order", "code")


def _language(user: User) -> str:
    language = user.preferred_language or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def marketing_message(source: Mailing | Purpose, user: User) -> EmailMultiAlternatives:
    """One marketing email to ``user``: a campaign's, or (for a preview) a purpose's placeholder.

    Plain text with an HTML alternative, in the person's preferred language; the campaign's own
    subject line and message are sent as the officer wrote them.
    """
    language = _language(user)
    with translation.override(language):
        if isinstance(source, Mailing):
            purpose, subject_line, body = source.purpose, source.subject_line, source.body
        else:
            purpose = source
            subject_line = purpose.name(language)
            body = _("This is where the campaign's own message goes.")
        if purpose is None:
            raise ValidationError(_("A marketing campaign needs a purpose."))
        token = unsubscribe_token(user, purpose)
        context = {
            "user": user,
            "body": body,
            "purpose_name": purpose.name(language),
            "unsubscribe_url": unsubscribe_url(token),
            "choices_url": settings.SITE_URL.rstrip("/") + reverse("consent:choices"),
            "controller": organisation_get(),
        }
        text = render_to_string("consent/email/marketing.txt", context)
        html = render_to_string("consent/email/marketing.html", context)
    message = EmailMultiAlternatives(
        subject=subject_line,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={**list_unsubscribe_headers(token), "Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    return message


def _campaign_audience(mailing: Mailing) -> QuerySet[User]:
    purpose = mailing.purpose
    # A purpose switched off (or moved off email) after the campaign was queued sends nothing more.
    if purpose is None or not purpose.is_active or not purpose.is_marketing or purpose.channel != EMAIL:
        return User.objects.none()
    return selectors.campaign_audience(purpose)


MAILING_KINDS[Mailing.Kind.MARKETING] = MailingKind(audience=_campaign_audience, build_message=marketing_message)


def contact_refusal_reason(user: User, purpose: Purpose) -> str:
    """Why ``selectors.may_contact`` says no, in words (for the preview command); "" if it says yes."""
    if selectors.may_contact(user, channel=EMAIL, purpose=purpose):
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


# --- Campaigns (writes) -------------------------------------------------------------------------


def _check_campaign(purpose: Purpose | None, subject_line: str, body: str) -> None:
    errors = {}
    if purpose is None or not campaign_purposes().filter(pk=purpose.pk).exists():
        errors["purpose"] = _("Choose an active marketing purpose sent by email.")
    if not subject_line.strip():
        errors["subject_line"] = _("Write a subject line.")
    if not body.strip():
        errors["body"] = _("Write the message.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def campaign_create(*, purpose: Purpose, subject_line: str, body: str, actor: User) -> Mailing:
    """A draft marketing campaign: sent only when an officer confirms it."""
    _check_campaign(purpose, subject_line, body)
    mailing = Mailing(
        kind=Mailing.Kind.MARKETING,
        purpose=purpose,
        subject_line=subject_line.strip(),
        body=body.strip(),
        created_by=actor,
    )
    mailing.full_clean()
    record_actor(mailing, actor=actor, reason="campaign drafted")
    mailing.save()
    return mailing


@transaction.atomic
def campaign_update(*, mailing: Mailing, purpose: Purpose, subject_line: str, body: str, actor: User) -> Mailing:
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.kind != Mailing.Kind.MARKETING or mailing.status != Mailing.Status.DRAFT:
        raise ValidationError(_("Only a draft campaign can be changed."))
    _check_campaign(purpose, subject_line, body)
    mailing.purpose, mailing.subject_line, mailing.body = purpose, subject_line.strip(), body.strip()
    mailing.full_clean()
    record_actor(mailing, actor=actor, reason="campaign changed")
    mailing.save(update_fields=["purpose", "subject_line", "body", "updated_at"])
    return mailing


def campaign_send(*, mailing: Mailing, actor: User | SystemActor) -> Mailing:
    """Queue a draft (or resume a failed) campaign; the worker sends it in batches."""
    if mailing.kind != Mailing.Kind.MARKETING:
        raise ValidationError(_("This is not a marketing campaign."))
    if mailing.purpose is None or not campaign_purposes().filter(pk=mailing.purpose_id).exists():
        raise ValidationError(_("The campaign's purpose is no longer an active email marketing purpose."))
    return mailing_queue(mailing=mailing, actor=actor)


# --- Unsubscribing (writes) ---------------------------------------------------------------------


def marketing_purposes_on(subject: User) -> list[Purpose]:
    """Active marketing purposes we may use for ``subject`` now, judged by their choices alone."""
    states = selectors.states_for(subject=subject)
    purposes = Purpose.objects.filter(kind=Purpose.Kind.PROCESSING, is_active=True, is_marketing=True).order_by(
        "display_order", "code"
    )
    on = []
    for purpose in purposes:
        state = states.get(purpose.pk)
        if state.granted if state is not None else not purpose.needs_consent:
            on.append(purpose)
    return on


@transaction.atomic
def marketing_unsubscribe(
    *, subject: User, purpose: Purpose | None, everything: bool, context: Context
) -> list[ConsentEvent]:
    """Switch off ``purpose`` (or all marketing) for ``subject``, acting themself, and suppress the address.

    Safe to repeat: a purpose already off gets no new ledger event, and the address is
    suppressed once. A purpose switched off (or renamed) since the email was sent gets no
    event, but the address is still suppressed: the request came from a marketing email.
    """
    if context.method not in (ConsentEvent.Method.ONE_CLICK, ConsentEvent.Method.UNSUBSCRIBE_LINK):
        raise ValueError("Unsubscribing is done from an email's link or one-click header.")
    on = marketing_purposes_on(subject)
    chosen = on if everything or purpose is None else [p for p in on if p.pk == purpose.pk]
    events = [consent_record(purpose=p, granted=False, context=context, actor=subject, subject=subject) for p in chosen]
    # Whatever the choices said, the address that received the email gets no more of what it
    # unsubscribed from: that purpose, or all marketing email.
    if everything or purpose is None:
        suppress_address(subject.email, channel=EMAIL, reason=Suppression.Reason.UNSUBSCRIBE)
    else:
        suppress_address(subject.email, channel=EMAIL, reason=Suppression.Reason.UNSUBSCRIBE, purpose_code=purpose.code)
    return events
