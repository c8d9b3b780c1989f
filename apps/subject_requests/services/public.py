"""The public form's writes: filing what it sent, and its emails (the confirmation code, or a
reminder of the request already being handled). Confirming the code is intake's
(services/intake.py, subject_request_confirm)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from apps.subject_requests.models import Jurisdiction, SubjectRequest
from apps.subject_requests.services.intake import subject_request_create, subject_request_issue_confirmation
from apps.subject_requests.services.requests import Actor, send_to_requester

Status = SubjectRequest.Status


@transaction.atomic(durable=True)
def public_request_file(
    *,
    actor: Actor,
    request_type: str,
    email: str,
    name: str,
    jurisdiction: Jurisdiction | None,
    details: str,
    language: str,
    time_zone: str = "",
) -> None:
    """File what the public form sent and email the address: a fresh confirmation code while the
    request awaits confirmation, else a reminder that it is already being handled.

    Returns nothing: the form's page is the same whatever happened (it never tells whether the
    address has an account or a request). ``time_zone`` (the browser's, when known) is the zone the
    confirmation email tells its expiry in; it is not stored.
    """
    subject_request, created = subject_request_create(
        request_type=request_type,
        channel=SubjectRequest.Channel.WEB_FORM,
        actor=actor,
        requester_email=email,
        requester_name=name,
        jurisdiction=jurisdiction,
        details=details,
        language=language,
    )
    if created or subject_request.status == Status.AWAITING_VERIFICATION:
        # A request still unconfirmed gets a fresh code (the old one stops working).
        code = subject_request_issue_confirmation(request=subject_request)
        transaction.on_commit(lambda: notify_confirmation(subject_request, code, time_zone=time_zone))
    else:
        transaction.on_commit(lambda: notify_already_received(subject_request))


def notify_confirmation(request: SubjectRequest, code: str, *, time_zone: str = "") -> bool:
    """The public form's link and code: the request exists once they are used."""
    site = settings.SITE_URL.rstrip("/")
    url = site + reverse("subject_requests:confirm", args=[request.reference]) + f"?code={code}"
    # The code was issued on a row locked and saved apart from this instance: the expiry the
    # email states is read back from the database, not from the form's copy (where it is None).
    expires_at = SubjectRequest.objects.filter(pk=request.pk).values_list("confirmation_expires_at", flat=True).first()
    return send_to_requester(request, "confirm", code=code, confirm_url=url, expires_at=expires_at, time_zone=time_zone)


def notify_already_received(request: SubjectRequest) -> bool:
    """The public form was sent again for a request already confirmed: remind the address of it.

    The form's page looks the same either way (it never says whether an address is known);
    only the address's owner learns the request is already being handled.
    """
    return send_to_requester(request, "acknowledged")
