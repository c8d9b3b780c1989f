"""What officers do: start, retry, apply a rectification, complete by hand, approve."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.subject_requests import services
from apps.subject_requests.execution.record import (
    AWAITING_OFFICER,
    DONE,
    FAILED,
    GAVE_UP,
    OFFICER_TYPES,
    QUEUED,
    RUNNING,
    Actor,
    await_officer,
    complete,
    in_language,
    lock,
    now_iso,
    queue,
    record_execution,
)
from apps.subject_requests.models import RequestType, SubjectRequest

logger = logging.getLogger(__name__)

Status = SubjectRequest.Status
# --- Starting -------------------------------------------------------------------------------


@transaction.atomic
def subject_request_start(*, request: SubjectRequest, actor: Actor) -> SubjectRequest:
    """OPEN → IN_PROGRESS, and the worker is asked (after the commit) to carry it out."""
    started = services.subject_request_transition(
        request=request, to_status=Status.IN_PROGRESS, actor=actor, reason="Started"
    )
    execution = {"state": QUEUED, "queued_at": now_iso()}
    if isinstance(actor, User):
        execution["started_by"] = actor.pk
    started.execution = record_execution(started.pk, **execution)
    queue(started.pk)
    request.__dict__.update(started.__dict__)
    return started


@transaction.atomic
def subject_request_retry(*, request: SubjectRequest, actor: User) -> SubjectRequest:
    """An officer queues again an execution that failed or that the reconciler gave up on."""
    locked = lock(request.pk)
    assert locked is not None
    state = (locked.execution or {}).get("state")
    if locked.status != Status.IN_PROGRESS or state not in (FAILED, GAVE_UP):
        raise ValidationError(_("Only a request in progress whose execution failed can be run again."))
    locked.execution = record_execution(locked.pk, state=QUEUED, queued_at=now_iso(), requeues=0, error="")
    services.subject_request_note(request=locked, actor=actor, body="Execution queued again by an officer.")
    queue(locked.pk)
    return locked


# --- Officer-finished types -----------------------------------------------------------------


def execute_for_officer(request: SubjectRequest) -> SubjectRequest:
    if request.request_type == RequestType.RECTIFICATION:
        changes = (request.scope or {}).get("changes") or {}
        fields = ", ".join(sorted(changes)) or "none given"
        note = f"Proposed changes to review (fields: {fields}). Apply the accepted ones, decline the rest."
    else:
        note = "A complaint: reply through messages, then complete the request with its outcome."
    return await_officer(request, note=note)


def awaiting_officer(request: SubjectRequest) -> bool:
    """In progress, with the worker's part done: an officer finishes it (command --wait stops here)."""
    return request.status == Status.IN_PROGRESS and (request.execution or {}).get("state") == AWAITING_OFFICER


def _officer(actor: Any) -> User:
    allowed = isinstance(actor, User) and actor.is_staff and actor.has_perm("subject_requests.handle_subjectrequest")
    if not allowed:
        raise ValidationError(_("Only a privacy officer can do this."))
    return actor


@transaction.atomic
def rectification_apply(*, request: SubjectRequest, actor: User, accepted: list[str], note: str = "") -> SubjectRequest:
    """Apply the accepted fields of the proposed changes to the account and complete the request.

    The changes are made by the officer (the account's history names them, with the
    request's reference); the outcome tells the subject which fields changed and which were
    declined (field names only: the values are in their account).
    """
    from apps.accounts.services import EDITABLE_DETAILS, user_update_details

    _officer(actor)
    locked = lock(request.pk)
    assert locked is not None
    if locked.request_type != RequestType.RECTIFICATION or locked.status != Status.IN_PROGRESS:
        raise ValidationError(_("Only a rectification request in progress can be applied."))
    if locked.subject is None:
        raise ValidationError(_("This request has no account to correct; complete it by hand."))
    changes = (locked.scope or {}).get("changes") or {}
    not_proposed = sorted(set(accepted) - set(changes))
    if not_proposed:
        raise ValidationError(_("Not among the proposed changes: %(fields)s") % {"fields": ", ".join(not_proposed)})
    not_editable = sorted(set(accepted) - set(EDITABLE_DETAILS))
    if not_editable:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(not_editable)}
        )
    applied = {name: changes[name] for name in changes if name in accepted}
    if applied:
        user_update_details(
            user=locked.subject, actor=actor, reason=f"Rectification request {locked.reference}", **applied
        )
    declined = [name for name in changes if name not in applied]

    def label(name: str) -> str:
        try:
            return str(User._meta.get_field(name).verbose_name)
        except Exception:
            return name

    def outcome() -> str:
        parts = []
        if applied:
            parts.append(_("We corrected: %(fields)s.") % {"fields": ", ".join(label(n) for n in applied)})
        if declined:
            parts.append(_("We did not change: %(fields)s.") % {"fields": ", ".join(label(n) for n in declined)})
        if note.strip():
            parts.append(note.strip())
        return " ".join(parts) or _("There was nothing to correct.")

    record_execution(locked.pk, rectification={"applied": sorted(applied), "declined": sorted(declined)})
    return complete(locked.pk, outcome=in_language(locked, outcome), actor=actor, reason="Rectification applied")


@transaction.atomic
def subject_request_complete(*, request: SubjectRequest, actor: User, outcome: str) -> SubjectRequest:
    """An officer completes a request they handled by hand (a complaint's outcome, say)."""
    _officer(actor)
    if not outcome.strip():
        raise ValidationError({"outcome": _("Write the outcome; the subject is sent it.")})
    locked = lock(request.pk)
    assert locked is not None
    if locked.status == Status.AWAITING_APPROVAL:
        raise ValidationError(_("This request awaits approval by another officer."))
    if locked.status != Status.IN_PROGRESS:
        raise ValidationError(_("Only a request in progress can be completed."))
    busy = (locked.execution or {}).get("state") in (QUEUED, RUNNING)
    if busy and locked.request_type not in OFFICER_TYPES:
        raise ValidationError(_("The worker is still carrying this request out; wait for it to finish."))
    completed = complete(locked.pk, outcome=outcome, actor=actor, reason="Completed by an officer")
    request.__dict__.update(completed.__dict__)
    return completed


def approval_requested_by(request: SubjectRequest) -> int | None:
    """The officer (pk) who sent the request for approval most recently, from its history."""
    sender = None
    for version in request.history.order_by("-history_date", "-history_id"):
        if version.status != Status.AWAITING_APPROVAL:
            break
        sender = version.history_user_id
    return sender


@transaction.atomic
def subject_request_approve(*, request: SubjectRequest, actor: User) -> SubjectRequest:
    """A second officer approves: the request is carried out (or, when the officer who sent it
    wrote its outcome, completed with that outcome)."""
    _officer(actor)
    if not actor.has_perm("subject_requests.approve_subjectrequest"):
        raise ValidationError(_("You may not approve requests."))
    locked = lock(request.pk)
    assert locked is not None
    if locked.status != Status.AWAITING_APPROVAL:
        raise ValidationError(_("This request is not awaiting approval."))
    if approval_requested_by(locked) == actor.pk:
        raise ValidationError(_("Another officer must approve a request you sent for approval."))
    execution = locked.execution or {}
    executed = execution.get("state") in (DONE, AWAITING_OFFICER, FAILED)
    if locked.request_type in OFFICER_TYPES or executed:
        if not locked.outcome.strip():
            raise ValidationError(_("Nothing to approve: the outcome was not written when it was sent for approval."))
        record_execution(locked.pk, state=DONE, finished_at=now_iso())
        approved = services.subject_request_transition(
            request=locked, to_status=Status.COMPLETED, actor=actor, reason="Approved", outcome=locked.outcome
        )
    else:
        approved = services.subject_request_transition(
            request=locked, to_status=Status.IN_PROGRESS, actor=actor, reason="Approved"
        )
        approved.execution = record_execution(
            approved.pk, state=QUEUED, queued_at=now_iso(), started_by=execution.get("started_by") or actor.pk
        )
        queue(approved.pk)
    request.__dict__.update(approved.__dict__)
    return approved
