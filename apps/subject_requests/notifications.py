"""Emails to the person behind a request, in their language (English or Vietnamese).

Each is sent after the commit that caused it; a failure is logged and retried by the task
that called it where it matters (acknowledgement), and the subject always sees the same
messages and status on Your Account → Your requests.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.core.actors import SystemActor, record_actor
from apps.core.mail import send_templated_mail
from apps.subject_requests.models import RequestMessage, SubjectRequest

logger = logging.getLogger(__name__)


def _context(request: SubjectRequest) -> dict:
    site = settings.SITE_URL.rstrip("/")
    return {
        "request": request,
        "reference": request.short_reference,
        "type": request.get_request_type_display(),
        "due_at": request.deadline_on,  # the date where the rule applies (see SubjectRequest._local_day)
        "authority_name": request.jurisdiction.authority_name,
        "authority_url": request.jurisdiction.authority_url,
        "status_url": site + reverse("subject_requests:status", args=[request.reference]),
        "account_url": site + reverse("subject_requests:list"),
        # People without an account answer by email: the company's privacy contact.
        "privacy_email": _privacy_email(),
    }


def _privacy_email() -> str:
    from apps.accounts.models import Organisation

    organisation = Organisation.objects.first()
    return (organisation.contact_email if organisation else "") or settings.DEFAULT_FROM_EMAIL


def _send(request: SubjectRequest, template: str, **extra) -> bool:
    if not request.requester_email:
        return False
    try:
        send_templated_mail(
            f"subject_requests/email/{template}",
            {**_context(request), **extra},
            to=request.requester_email,
            language=request.language,
        )
    except Exception:
        logger.exception("could not send the %s email of request %s", template, request.reference)
        return False
    return True


def notify_confirmation(request: SubjectRequest, code: str) -> bool:
    """The public form's link and code: the request exists once they are used."""
    site = settings.SITE_URL.rstrip("/")
    url = site + reverse("subject_requests:confirm", args=[request.reference]) + f"?code={code}"
    return _send(request, "confirm", code=code, confirm_url=url)


def notify_acknowledged(request_pk: int) -> bool:
    """Acknowledge receipt with the reference and the deadline; records when it was sent."""
    request = SubjectRequest.objects.select_related("jurisdiction").filter(pk=request_pk).first()
    if request is None or request.acknowledged_at is not None or not request.is_open:
        return True
    if not request.requester_email:
        return True  # nowhere to write (a Facebook callback for no account): nothing to retry
    if not _send(request, "acknowledged"):
        return False
    SubjectRequest.objects.filter(pk=request.pk, acknowledged_at__isnull=True).update(acknowledged_at=timezone.now())
    return True


def notify_closed(request_pk: int) -> bool:
    request = SubjectRequest.objects.select_related("jurisdiction").filter(pk=request_pk).first()
    if request is None:
        return True
    template = "rejected" if request.status == SubjectRequest.Status.REJECTED else "completed"
    return _send(request, template)


def notify_messages(request_pk: int) -> int:
    """Email the subject every officer's message not emailed yet (each once)."""
    request = SubjectRequest.objects.select_related("jurisdiction").filter(pk=request_pk).first()
    if request is None:
        return 0
    pending = list(request.messages.filter(kind=RequestMessage.Kind.TO_SUBJECT, emailed_at__isnull=True))
    sent = 0
    for message in pending:
        if _send(request, "message", message=message):
            RequestMessage.objects.filter(pk=message.pk).update(emailed_at=timezone.now())
            sent += 1
    return sent


def mark_acknowledged_by_officer(request: SubjectRequest) -> None:
    """An officer acknowledged by phone or letter: record it without an email."""
    if request.acknowledged_at is None:
        request.acknowledged_at = timezone.now()
        record_actor(request, actor=SystemActor("officer-acknowledgement"), reason="Acknowledged")
        request.save(update_fields=["acknowledged_at", "updated_at"])


def notify_already_received(request: SubjectRequest) -> bool:
    """The public form was sent again for a request already confirmed: remind the address of it.

    The form's page looks the same either way (it never says whether an address is known);
    only the address's owner learns the request is already being handled.
    """
    return _send(request, "acknowledged")


def notify_officers_of_message(request_pk: int) -> int:
    """Tell the assignee (every privacy officer when unassigned) that the subject wrote.

    The email names the request only: the message itself is read in the admin.
    """
    from apps.subject_requests.jobs import admin_url, privacy_officers, recipients_for

    request = SubjectRequest.objects.select_related("assignee").filter(pk=request_pk).first()
    if request is None:
        return 0
    sent = 0
    for officer in recipients_for(request, privacy_officers()):
        context = {
            "reference": request.short_reference,
            "type": request.get_request_type_display(),
            "url": admin_url(request),
        }
        try:
            send_templated_mail(
                "subject_requests/email/officer_message", context, to=officer.email, language=officer.preferred_language
            )
            sent += 1
        except Exception:  # the message is on the request and in tomorrow's digest either way
            logger.exception("could not tell officer %s about a message on request %s", officer.pk, request.reference)
    return sent
