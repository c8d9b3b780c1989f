"""The officers' steps on a request: assign, acknowledge, pause and resume the clock, extend,
start (the worker carries the request out), run again, apply a rectification, complete by
hand, send for approval and approve, reject, mark withdrawn.

Each step of the request page (admin/workflow.py) is one call of subject_request_step_take,
which runs the step and its internal note in one transaction. Status changes go through
subject_request_transition (services/requests.py, the lifecycle table in selectors/requests.py);
what the worker does is the engine's (execution/), queued here with execution.record.queue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ForeignObjectRel
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.subject_requests.models import ExecutionState, RequestType, SubjectRequest
from apps.subject_requests.selectors.workflow import approval_requested_by, officer_finishes
from apps.subject_requests.services.deadlines import apply_deadlines, resume_clock
from apps.subject_requests.services.execution import (
    OFFICER_TYPES,
    complete,
    in_language,
    lock,
    now_iso,
    record_execution,
)
from apps.subject_requests.services.intake import subject_request_verify
from apps.subject_requests.services.requests import (
    Actor,
    queue_execution,
    save_with_actor,
    subject_request_note,
    subject_request_transition,
    write_to_subject,
)

Status = SubjectRequest.Status


# --- Assigning and acknowledging ---------------------------------------------------------------


@transaction.atomic
def subject_requests_assign(
    *, requests: list[SubjectRequest], assignee: User | None, actor: User, open_only: bool = False
) -> int:
    """``open_only``: refuse if any request has closed meanwhile (checked under the row lock, as
    another officer may complete it between the page's look and this write)."""
    if assignee is not None and not assignee.is_staff:
        raise ValidationError(_("Requests are assigned to staff only."))
    count = 0
    for request in SubjectRequest.objects.select_for_update().filter(pk__in=[r.pk for r in requests]):
        if open_only and not request.is_open:
            raise ValidationError(_("This request is closed: there is nothing left to assign."))
        if request.assignee_id == (assignee.pk if assignee else None):
            continue
        request.assignee = assignee
        save_with_actor(request, actor=actor, reason=f"Assigned to {assignee}" if assignee else "Unassigned")
        count += 1
    return count


@transaction.atomic
def subject_request_acknowledge(*, request: SubjectRequest, actor: Actor | None) -> SubjectRequest:
    locked = SubjectRequest.objects.select_for_update().get(pk=request.pk)
    if locked.acknowledged_at is None:
        locked.acknowledged_at = timezone.now()
        save_with_actor(locked, actor=actor, reason="Acknowledged")
    return locked


# --- The clock: pause, resume, extend ----------------------------------------------------------


@transaction.atomic
def subject_request_pause(*, request: SubjectRequest, actor: Actor, reason: str) -> SubjectRequest:
    """Stop the clock while waiting for identity or clarification (where the rule allows it)."""
    locked = SubjectRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open or locked.paused_since is not None or locked.status == Status.AWAITING_VERIFICATION:
        raise ValidationError(_("Only an open request that is not paused can be paused."))
    if not locked.jurisdiction.terms(locked.request_type, locked.received_at).pauses_clock:
        raise ValidationError(_("Under %(law)s the clock does not stop.") % {"law": locked.jurisdiction.display_name})
    if not reason.strip():
        raise ValidationError({"reason": _("Say what you are waiting for; the subject is told.")})
    locked.paused_since = timezone.now()
    save_with_actor(locked, actor=actor, reason=f"Clock paused: {reason.strip()}")
    # The subject is asked for what is missing: the reason is written to them.
    write_to_subject(locked, actor=actor, body=reason)
    return locked


@transaction.atomic
def subject_request_resume(*, request: SubjectRequest, actor: Actor, reason: str = "") -> SubjectRequest:
    locked = SubjectRequest.objects.select_for_update().get(pk=request.pk)
    if locked.paused_since is None:
        raise ValidationError(_("This request is not paused."))
    resume_clock(locked)
    return save_with_actor(
        locked, actor=actor, reason=f"Clock resumed{': ' + reason.strip() if reason.strip() else ''}"
    )


@transaction.atomic
def subject_request_extend(*, request: SubjectRequest, actor: Actor, reason: str) -> SubjectRequest:
    """Extend once, as the rule allows, telling the subject why before the original date passes."""
    locked = SubjectRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open:
        raise ValidationError(_("Only an open request can be extended."))
    if locked.extended_to is not None:
        raise ValidationError(_("This request was already extended; the law allows it once."))
    if locked.jurisdiction.terms(locked.request_type, locked.received_at).extension is None:
        raise ValidationError(_("This rule allows no extension."))
    if locked.due_at is not None and timezone.now() > locked.due_at:
        raise ValidationError(_("The original deadline has passed; an extension had to be sent before it."))
    if not reason.strip():
        raise ValidationError({"extension_reason": _("Give the reasons; the subject is sent them.")})
    due_at = locked.due_at
    apply_deadlines(locked, extended=True)
    if locked.extended_to is None or (due_at is not None and locked.extended_to <= due_at):
        # A rule changed to an extension no longer than the response would move the deadline earlier.
        raise ValidationError(_("Under this rule an extension would not end after the first due date."))
    locked.extension_reason = reason.strip()
    save_with_actor(locked, actor=actor, reason=f"Extended to {locked.extended_to:%Y-%m-%d}")
    write_to_subject(locked, actor=actor, body=reason)
    return locked


# --- The worker's part: start, run again -------------------------------------------------------


@transaction.atomic
def subject_request_start(*, request: SubjectRequest, actor: Actor) -> SubjectRequest:
    """OPEN → IN_PROGRESS, and the worker is asked to carry it out (its job, sent after the commit)."""
    started = subject_request_transition(request=request, to_status=Status.IN_PROGRESS, actor=actor, reason="Started")
    execution = {"started_by": actor.pk} if isinstance(actor, User) else {}
    started.execution = record_execution(started.pk, state=ExecutionState.QUEUED, **execution)
    started.execution_state = ExecutionState.QUEUED
    queue_execution(started.pk)
    request.__dict__.update(started.__dict__)
    return started


@transaction.atomic
def subject_request_retry(*, request: SubjectRequest, actor: User) -> SubjectRequest:
    """An officer queues again an execution that failed or whose job gave up (a new job, with
    its attempts counted afresh)."""
    locked = lock(request.pk)
    assert locked is not None
    if locked.status != Status.IN_PROGRESS or locked.execution_state not in (
        ExecutionState.FAILED,
        ExecutionState.GAVE_UP,
    ):
        raise ValidationError(_("Only a request in progress whose execution failed can be run again."))
    locked.execution = record_execution(locked.pk, state=ExecutionState.QUEUED, error="")
    locked.execution_state = ExecutionState.QUEUED
    subject_request_note(request=locked, actor=actor, body="Execution queued again by an officer.")
    queue_execution(locked.pk)
    return locked


# --- Finishing: rectification, completion by hand, approval ------------------------------------


def _officer(actor: Any) -> User:
    allowed = isinstance(actor, User) and actor.is_staff and actor.has_perm("subject_requests.handle_subjectrequest")
    if not allowed:
        raise ValidationError(_("Only a privacy officer can do this."))
    return actor


@transaction.atomic(durable=True)
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
            field = User._meta.get_field(name)
            if isinstance(field, ForeignObjectRel):
                return name  # a reverse relation has no verbose name
            return str(field.verbose_name)
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


def refuse_while_systems_confirm(request: SubjectRequest) -> None:
    """The completion gate: while other systems have yet to confirm, no officer step may finish
    the request (or send it for approval, whose approval would finish or re-run it). It
    completes by itself once the systems have answered or an officer closed their tasks."""
    if request.execution_state == ExecutionState.AWAITING_SYSTEMS:
        raise ValidationError(
            _(
                "Other systems have not all confirmed yet. The request completes by itself once they have; "
                "chase a silent one, or close its task with a reason."
            )
        )


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
    refuse_while_systems_confirm(locked)
    busy = locked.execution_state in (ExecutionState.QUEUED, ExecutionState.RUNNING)
    if busy and locked.request_type not in OFFICER_TYPES:
        raise ValidationError(_("The worker is still carrying this request out; wait for it to finish."))
    completed = complete(locked.pk, outcome=outcome, actor=actor, reason="Completed by an officer")
    request.__dict__.update(completed.__dict__)
    return completed


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
    refuse_while_systems_confirm(locked)
    execution = locked.execution or {}
    executed = locked.execution_state in (ExecutionState.DONE, ExecutionState.AWAITING_OFFICER, ExecutionState.FAILED)
    if locked.request_type in OFFICER_TYPES or executed:
        if not locked.outcome.strip():
            raise ValidationError(_("Nothing to approve: the outcome was not written when it was sent for approval."))
        record_execution(locked.pk, state=ExecutionState.DONE, finished_at=now_iso())
        approved = subject_request_transition(
            request=locked, to_status=Status.COMPLETED, actor=actor, reason="Approved", outcome=locked.outcome
        )
    else:
        approved = subject_request_transition(
            request=locked, to_status=Status.IN_PROGRESS, actor=actor, reason="Approved"
        )
        approved.execution = record_execution(
            approved.pk, state=ExecutionState.QUEUED, started_by=execution.get("started_by") or actor.pk
        )
        approved.execution_state = ExecutionState.QUEUED
        queue_execution(approved.pk)
    request.__dict__.update(approved.__dict__)
    return approved


# --- The request page's steps ------------------------------------------------------------------


def _transition(to_status: str) -> Callable:
    def perform(request: SubjectRequest, actor, reason: str) -> None:
        subject_request_transition(request=request, to_status=to_status, actor=actor, reason=reason)

    return perform


def _send_for_approval(request: SubjectRequest, actor, reason: str) -> None:
    locked = lock(request.pk)
    assert locked is not None
    refuse_while_systems_confirm(locked)
    # When the approver will complete it, the reason is the outcome the subject is sent.
    outcome = reason if officer_finishes(request) else ""
    subject_request_transition(
        request=request, to_status=Status.AWAITING_APPROVAL, actor=actor, reason="Sent for approval", outcome=outcome
    )
    if reason.strip() and not outcome:
        subject_request_note(request=request, actor=actor, body=reason)


def _retry(request: SubjectRequest, actor, reason: str) -> None:
    subject_request_retry(request=request, actor=actor)
    if reason.strip():
        subject_request_note(request=request, actor=actor, body=reason)


def _verify(request: SubjectRequest, actor, reason: str) -> None:
    subject_request_verify(request=request, actor=actor, note=reason)


def _start(request: SubjectRequest, actor, reason: str) -> None:
    subject_request_start(request=request, actor=actor)
    if reason.strip():
        subject_request_note(request=request, actor=actor, body=reason)


def _approve(request: SubjectRequest, actor, reason: str) -> None:
    subject_request_approve(request=request, actor=actor)
    if reason.strip():
        subject_request_note(request=request, actor=actor, body=reason)


def _complete(request: SubjectRequest, actor, reason: str) -> None:
    subject_request_complete(request=request, actor=actor, outcome=reason)


def _pause(request: SubjectRequest, actor, reason: str) -> None:
    subject_request_pause(request=request, actor=actor, reason=reason)


def _resume(request: SubjectRequest, actor, reason: str) -> None:
    subject_request_resume(request=request, actor=actor, reason=reason)


def _extend(request: SubjectRequest, actor, reason: str) -> None:
    subject_request_extend(request=request, actor=actor, reason=reason)


def _acknowledge(request: SubjectRequest, actor, reason: str) -> None:
    subject_request_acknowledge(request=request, actor=actor)
    if reason.strip():
        subject_request_note(request=request, actor=actor, body=reason)


# What each step of the request page does (admin/workflow.py names, labels and offers them).
STEP_ACTIONS: dict[str, Callable[[SubjectRequest, Any, str], None]] = {
    "open": _verify,
    "acknowledge": _acknowledge,
    "start": _start,
    "send_for_approval": _send_for_approval,
    "approve": _approve,
    "return": _transition(Status.IN_PROGRESS),
    "complete": _complete,
    "retry": _retry,
    "pause": _pause,
    "resume": _resume,
    "extend": _extend,
    "reject": _transition(Status.REJECTED),
    "withdraw": _transition(Status.WITHDRAWN),
}


@transaction.atomic(durable=True)
def subject_request_step_take(*, request: SubjectRequest, step: str, actor: User, reason: str) -> None:
    """Take one step of the request page; the step and its note stand or fall together."""
    STEP_ACTIONS[step](request, actor, reason)
