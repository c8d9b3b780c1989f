"""Writes of marketing email (P-10, P-11, P-12): campaigns (draft, change, send, delete), unsubscribing,
and the message a campaign sends to one person.

Campaigns are sent by the batched sender ``apps.consent.mailing``: ``ConsentConfig.ready``
registers the MARKETING kind with ``campaign_mailing_audience`` and ``marketing_message``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.selectors import organisation_get
from apps.consent.domain.marketing import list_unsubscribe_headers, unsubscribe_token, unsubscribe_url
from apps.consent.mailing.queue import mailing_queue
from apps.consent.models import ConsentEvent, Mailing, Purpose, Suppression
from apps.consent.selectors.marketing import EMAIL, campaign_purposes, marketing_purposes_on
from apps.consent.services.ledger import Context, consent_record, suppression_add
from apps.core.actors import SystemActor, record_actor

# --- The message --------------------------------------------------------------------------------


def _language(user: User) -> str:
    language = user.preferred_language or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def marketing_message(source: Mailing | Purpose, user: User) -> EmailMultiAlternatives:
    """One marketing email to ``user``: a campaign's, or (for a preview) a purpose's placeholder.

    Plain text with an HTML alternative, in the person's preferred language; the campaign's own
    subject line and message are sent as the officer wrote them. Builds the message, sends nothing.
    """
    language = _language(user)
    with translation.override(language), timezone.override(user.local_time_zone):
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


# --- Campaigns ----------------------------------------------------------------------------------


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


def _is_campaign_draft(mailing: Mailing) -> bool:
    return mailing.kind == Mailing.Kind.MARKETING and mailing.status == Mailing.Status.DRAFT


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
    if not _is_campaign_draft(mailing):
        raise ValidationError(_("Only a draft campaign can be changed."))
    _check_campaign(purpose, subject_line, body)
    mailing.purpose, mailing.subject_line, mailing.body = purpose, subject_line.strip(), body.strip()
    mailing.full_clean()
    record_actor(mailing, actor=actor, reason="campaign changed")
    mailing.save(update_fields=["purpose", "subject_line", "body", "updated_at"])
    return mailing


@transaction.atomic
def campaign_delete(*, mailing: Mailing, actor: User) -> None:
    """Delete a draft campaign; what was sent (or is being sent) stays as the record of it."""
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if not _is_campaign_draft(mailing):
        raise ValidationError(_("Only a draft campaign can be deleted."))
    record_actor(mailing, actor=actor, reason="campaign deleted")
    mailing.delete()


@transaction.atomic(durable=True)
def campaign_send(*, mailing: Mailing, actor: User | SystemActor) -> Mailing:
    """Queue a draft (or resume a failed) campaign; the worker sends it in batches."""
    if mailing.kind != Mailing.Kind.MARKETING:
        raise ValidationError(_("This is not a marketing campaign."))
    if mailing.purpose is None or not campaign_purposes().filter(pk=mailing.purpose.pk).exists():
        raise ValidationError(_("The campaign's purpose is no longer an active email marketing purpose."))
    return mailing_queue(mailing=mailing, actor=actor)


# --- Unsubscribing ------------------------------------------------------------------------------


@transaction.atomic(durable=True)
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
        suppression_add(email=subject.email, channel=EMAIL, reason=Suppression.Reason.UNSUBSCRIBE)
    else:
        suppression_add(
            email=subject.email, channel=EMAIL, reason=Suppression.Reason.UNSUBSCRIBE, purpose_code=purpose.code
        )
    return events
