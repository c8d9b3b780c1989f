"""The request's lifecycle: status changes, internal notes, messages between the subject and
the officers, the emails each sends, and the worker's queues.

Each change is one service call naming its actor and reason; simple-history records it, and
the request's history is the timeline officers and subjects see. How requests come in is in
intake.py, the officers' steps in workflow.py; carrying out each type is the engine's
(execution/) and runs in the worker.

Emails go to the person behind a request in their language (English or Vietnamese). Each is
sent after the commit that caused it; a failure is logged and retried by the task that called
it where it matters (acknowledgement), and the subject always sees the same messages and
status on Your Account → Your requests.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.domain import suggested_preferred_name
from apps.accounts.models import User
from apps.core.actors import SystemActor, actor_label, record_actor
from apps.core.jobs import job_enqueue
from apps.core.mail import send_templated_mail
from apps.core.text import data_text_lazy
from apps.subject_requests.models import IMMEDIATE_TYPES, RequestMessage, RequestType, SubjectRequest
from apps.subject_requests.registry import notify_status_changed
from apps.subject_requests.selectors.public import request_time_zone
from apps.subject_requests.selectors.requests import allowed_transitions
from apps.subject_requests.selectors.workflow import privacy_officers, recipients_for
from apps.subject_requests.services.deadlines import resume_clock

logger = logging.getLogger(__name__)
NEW = object()  # a request not read from the database: its filing is not a status change

Status = SubjectRequest.Status
Actor = User | SystemActor


# --- The worker's jobs -------------------------------------------------------------------------
# Written in the caller's transaction (the job row is the outbox: apps/core/jobs/), sent to a
# worker after the commit, and sent again by the one reconciler if the broker was down.


def queue_acknowledgement(request_pk: int) -> None:
    job_enqueue(kind=SubjectRequest.ACKNOWLEDGEMENT_JOB_KIND, target=request_pk)


def queue_execution(request_pk: int) -> None:
    job_enqueue(kind=SubjectRequest.JOB_KIND, target=request_pk)


# --- Saving a change ---------------------------------------------------------------------------


def save_with_actor(request: SubjectRequest, *, actor: Actor | None, reason: str) -> SubjectRequest:
    """Validate and save a change of the request, recorded in its history with who and why.

    Every status change goes through here: the registry's status listeners hear of it in the
    same transaction, so what they write (the API's webhook events) commits with the change.
    """
    request.full_clean()
    record_actor(request, actor=actor, reason=reason)
    read = request.__dict__.get("_status_as_read", NEW)
    with transaction.atomic():
        request.save()
        if read is not NEW and read != request.status:
            notify_status_changed(request, read)
    request._status_as_read = request.status  # type: ignore[attr-defined]
    return request


def after_opening(request_pk: int) -> None:
    """Acknowledge by email and start what runs at once (objections to direct marketing,
    withdrawals): both jobs are written in the opening's transaction."""
    queue_acknowledgement(request_pk)
    request = SubjectRequest.objects.filter(pk=request_pk).first()
    if request is not None and request.request_type in IMMEDIATE_TYPES:
        queue_execution(request_pk)


# --- Status changes ----------------------------------------------------------------------------


@transaction.atomic
def subject_request_transition(
    *, request: SubjectRequest, to_status: str, actor: Actor | None, reason: str, outcome: str = ""
) -> SubjectRequest:
    """Move a request to ``to_status`` if the lifecycle allows it; rejection needs a reason."""
    locked = SubjectRequest.objects.select_for_update().get(pk=request.pk)
    if to_status not in allowed_transitions(locked):
        if (locked.execution or {}).get("erasure") and to_status in (Status.WITHDRAWN, Status.REJECTED):
            raise ValidationError(_("The erasure is already under way and cannot be stopped; it completes shortly."))
        raise ValidationError(
            _("A request that is %(status)s cannot become %(target)s.")
            % {"status": locked.get_status_display(), "target": Status(to_status).label}
        )
    if to_status == Status.REJECTED and not reason.strip():
        raise ValidationError({"rejection_reason": _("Say why the request is rejected; the subject is told.")})
    if to_status == Status.AWAITING_APPROVAL and not getattr(actor, "pk", None):
        raise ValidationError(_("Only an officer sends a request for approval."))
    if locked.paused_since is not None and to_status in SubjectRequest.CLOSED_STATUSES:
        resume_clock(locked)
    locked.status = to_status
    if to_status == Status.REJECTED:
        locked.rejection_reason = reason.strip()
    if outcome:
        locked.outcome = outcome.strip()
    if to_status in SubjectRequest.CLOSED_STATUSES:
        locked.closed_at = timezone.now()
    save_with_actor(locked, actor=actor, reason=reason or str(Status(to_status).label))
    if to_status in (Status.COMPLETED, Status.REJECTED):
        transaction.on_commit(lambda: notify_closed(locked.pk))
    request.__dict__.update(locked.__dict__)
    return locked


# --- Notes and messages ------------------------------------------------------------------------


def subject_request_note(*, request: SubjectRequest, actor: Actor | None, body: str) -> RequestMessage:
    """An internal note: officers only, never shown or sent to the subject."""
    if not body.strip():
        raise ValidationError({"body": _("Write the note.")})
    return RequestMessage.objects.create(
        request=request,
        kind=RequestMessage.Kind.INTERNAL,
        author=actor if isinstance(actor, User) else None,
        body=body.strip(),
    )


@transaction.atomic
def subject_request_message(*, request: SubjectRequest, actor: User, body: str) -> RequestMessage:
    """A message between the subject and the officers: emailed to the subject when an officer writes."""
    if not body.strip():
        raise ValidationError({"body": _("Write the message.")})
    from_subject = request.subject_id is not None and actor.pk == request.subject_id
    if from_subject and not request.is_open:
        raise ValidationError(_("This request is closed. To ask something new, make a new request."))
    if not from_subject:
        return write_to_subject(request, actor=actor, body=body)
    message = RequestMessage.objects.create(
        request=request, kind=RequestMessage.Kind.FROM_SUBJECT, author=actor, body=body.strip()
    )
    transaction.on_commit(lambda: notify_officers_of_message(request.pk))
    return message


def write_to_subject(request: SubjectRequest, *, actor: Actor | None, body: str) -> RequestMessage:
    """A message to the subject from the officers (shown on their request, emailed after commit)."""
    message = RequestMessage.objects.create(
        request=request,
        kind=RequestMessage.Kind.TO_SUBJECT,
        author=actor if isinstance(actor, User) else None,
        body=body.strip(),
    )
    transaction.on_commit(lambda: notify_messages(request.pk))
    return message


# --- Emails ------------------------------------------------------------------------------------


def _context(request: SubjectRequest) -> dict:
    site = settings.SITE_URL.rstrip("/")
    return {
        "request": request,
        # "Hello Bảo,": what the account says to call them, else the given name from the name the
        # public form was sent with, once its address is confirmed; none known, just "Hello,". Before
        # confirmation the name is anyone's words sent to anyone's address from our domain.
        "name": request.subject.greeting_name
        if request.subject is not None
        else (
            suggested_preferred_name(request.requester_name, country=request.jurisdiction.calendar[:2])
            if request.status != SubjectRequest.Status.AWAITING_VERIFICATION
            else ""
        ),
        "reference": request.short_reference,
        # The label itself (lazy), not its text now: the email is rendered in the requester's
        # language, which need not be the one active here (an officer's, a worker's).
        "type": RequestType(request.request_type).label,
        "due_at": request.deadline_on,  # the date where the rule applies (see SubjectRequest._local_day)
        "authority_name": data_text_lazy(
            request.jurisdiction.authority_name, translations={"vi": request.jurisdiction.authority_name_vi}
        ),
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


def send_to_requester(request: SubjectRequest, template: str, *, time_zone: str = "", **extra) -> bool:
    """Email the requester in their language. A signed-in requester reads times in their own zone;
    the public form's in the zone given (the browser's, for the confirmation), else its law's."""
    if not request.requester_email:
        return False
    try:
        send_templated_mail(
            f"subject_requests/email/{template}",
            {**_context(request), **extra},
            to=request.requester_email,
            language=request.language,
            time_zone=time_zone or request_time_zone(request),
        )
    except Exception:
        logger.exception("could not send the %s email of request %s", template, request.reference)
        return False
    return True


def notify_acknowledged(request_pk: int) -> bool:
    """Acknowledge receipt with the reference and the deadline; records when it was sent."""
    request = SubjectRequest.objects.select_related("jurisdiction").filter(pk=request_pk).first()
    if request is None or request.acknowledged_at is not None or not request.is_open:
        return True
    if not request.requester_email:
        return True  # nowhere to write (a Facebook callback for no account): nothing to retry
    if not send_to_requester(request, "acknowledged"):
        return False
    SubjectRequest.objects.filter(pk=request.pk, acknowledged_at__isnull=True).update(acknowledged_at=timezone.now())
    return True


def notify_closed(request_pk: int) -> bool:
    request = SubjectRequest.objects.select_related("jurisdiction").filter(pk=request_pk).first()
    if request is None:
        return True
    template = "rejected" if request.status == SubjectRequest.Status.REJECTED else "completed"
    return send_to_requester(request, template)


def notify_messages(request_pk: int) -> int:
    """Email the subject every officer's message not emailed yet (each once)."""
    request = SubjectRequest.objects.select_related("jurisdiction").filter(pk=request_pk).first()
    if request is None:
        return 0
    pending = list(request.messages.filter(kind=RequestMessage.Kind.TO_SUBJECT, emailed_at__isnull=True))
    sent = 0
    for message in pending:
        if send_to_requester(request, "message", message=message):
            RequestMessage.objects.filter(pk=message.pk).update(emailed_at=timezone.now())
            sent += 1
    return sent


def mark_acknowledged_by_officer(request: SubjectRequest) -> None:
    """An officer acknowledged by phone or letter: record it without an email."""
    if request.acknowledged_at is None:
        request.acknowledged_at = timezone.now()
        record_actor(request, actor=SystemActor("officer-acknowledgement"), reason="Acknowledged")
        request.save(update_fields=["acknowledged_at", "updated_at"])


def notify_officers_of_message(request_pk: int) -> int:
    """Tell the assignee (every privacy officer when unassigned) that the subject wrote.

    The email names the request only: the message itself is read in the admin.
    """
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
            logger.exception("could not tell %s about a message on request %s", actor_label(officer), request.reference)
    return sent


def admin_url(request: SubjectRequest) -> str:
    """The request's page in the admin, for officers' emails (the digest, a message from the subject)."""
    site = settings.SITE_URL.rstrip("/")
    try:
        return site + reverse("admin:subject_requests_subjectrequest_change", args=[request.pk])
    except NoReverseMatch:  # the admin page is not registered (yet)
        return site + reverse("admin:index")
