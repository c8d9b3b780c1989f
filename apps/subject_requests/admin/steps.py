"""The steps an officer can take on a request, each offered only when it is valid now.

``available_steps`` is what the request page shows as buttons; the step view refuses (4xx,
nothing changed) a step that is not in it. Each step calls one service: status changes
through ``services.subject_request_transition`` (the lifecycle table ``TRANSITIONS``), the
clock through pause / resume / extend, and execution through ``execution.py`` (the worker's
side: start, approve, complete).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.subject_requests import services
from apps.subject_requests.admin.common import APPROVE_PERMISSION, HANDLE_PERMISSION
from apps.subject_requests.models import RequestType, SubjectRequest

Status = SubjectRequest.Status

# Types an officer completes by hand (a complaint's outcome, a reviewed rectification);
# the worker completes the others, or leaves them to an officer (execution["state"]).
OFFICER_COMPLETED = {RequestType.COMPLAINT, RequestType.RECTIFICATION}
WORKER_DONE = ("awaiting_officer", "failed", "gave_up", "done")


def execution_state(request: SubjectRequest) -> str:
    return (request.execution or {}).get("state", "")


def officer_finishes(request: SubjectRequest) -> bool:
    """An officer writes the outcome: their types, or the worker's part is over."""
    return request.request_type in OFFICER_COMPLETED or execution_state(request) in WORKER_DONE


def _transition(to_status: str) -> Callable:
    def perform(request: SubjectRequest, actor, reason: str) -> None:
        services.subject_request_transition(request=request, to_status=to_status, actor=actor, reason=reason)

    return perform


def _send_for_approval(request: SubjectRequest, actor, reason: str) -> None:
    # When the approver will complete it, the reason is the outcome the subject is sent.
    outcome = reason if officer_finishes(request) else ""
    services.subject_request_transition(
        request=request, to_status=Status.AWAITING_APPROVAL, actor=actor, reason="Sent for approval", outcome=outcome
    )
    if reason.strip() and not outcome:
        services.subject_request_note(request=request, actor=actor, body=reason)


def _retry(request: SubjectRequest, actor, reason: str) -> None:
    from apps.subject_requests.execution import subject_request_retry

    subject_request_retry(request=request, actor=actor)
    if reason.strip():
        services.subject_request_note(request=request, actor=actor, body=reason)


def _verify(request: SubjectRequest, actor, reason: str) -> None:
    services.subject_request_verify(request=request, actor=actor, note=reason)


def _start(request: SubjectRequest, actor, reason: str) -> None:
    from apps.subject_requests.execution import subject_request_start

    subject_request_start(request=request, actor=actor)
    if reason.strip():
        services.subject_request_note(request=request, actor=actor, body=reason)


def _approve(request: SubjectRequest, actor, reason: str) -> None:
    from apps.subject_requests.execution import subject_request_approve

    subject_request_approve(request=request, actor=actor)
    if reason.strip():
        services.subject_request_note(request=request, actor=actor, body=reason)


def _complete(request: SubjectRequest, actor, reason: str) -> None:
    from apps.subject_requests.execution import subject_request_complete

    subject_request_complete(request=request, actor=actor, outcome=reason)


def _pause(request: SubjectRequest, actor, reason: str) -> None:
    services.subject_request_pause(request=request, actor=actor, reason=reason)


def _resume(request: SubjectRequest, actor, reason: str) -> None:
    services.subject_request_resume(request=request, actor=actor, reason=reason)


def _extend(request: SubjectRequest, actor, reason: str) -> None:
    services.subject_request_extend(request=request, actor=actor, reason=reason)


def _acknowledge(request: SubjectRequest, actor, reason: str) -> None:
    services.subject_request_acknowledge(request=request, actor=actor)
    if reason.strip():
        services.subject_request_note(request=request, actor=actor, body=reason)


@dataclass(frozen=True)
class Step:
    code: str
    label: str  # the button
    question: str  # the confirmation page's title
    perform: Callable[[SubjectRequest, object, str], None]
    to_status: str = ""  # a status change: offered only when the lifecycle allows it
    reason_required: bool = False
    reason_label: str = ""
    reason_help: str = ""
    permission: str = HANDLE_PERMISSION
    danger: bool = False
    applies: Callable[[SubjectRequest], bool] = field(default=lambda request: True)
    # Overrides of reason_required / reason_label / reason_help for this request.
    adapt: Callable[[SubjectRequest], dict] | None = None

    def reason_field(self, request: SubjectRequest) -> dict:
        values = {"required": self.reason_required, "label": self.reason_label, "help_text": self.reason_help}
        if self.adapt is not None:
            values.update(self.adapt(request))
        return values


def _can_extend(request: SubjectRequest) -> bool:
    if not request.is_open or request.extended_to is not None:
        return False
    if request.jurisdiction.terms(request.request_type).extension is None:
        return False
    return request.due_at is None or timezone.now() <= request.due_at


STEPS: list[Step] = [
    Step(
        "open",
        gettext_lazy("Identity checked: open"),
        gettext_lazy("Open this request now that the person's identity is checked?"),
        _verify,
        to_status=Status.OPEN,
        reason_required=True,
        reason_label=gettext_lazy("How the identity was checked"),
        reason_help=gettext_lazy("Never a copy or the number of an identity document. The clock starts now."),
    ),
    Step(
        "acknowledge",
        gettext_lazy("Record acknowledgement"),
        gettext_lazy("Record that the request was acknowledged?"),
        _acknowledge,
        reason_label=gettext_lazy("How it was acknowledged (optional, internal)"),
        reason_help=gettext_lazy("For example: told on the phone, or by letter. Kept as an internal note."),
        applies=lambda r: r.acknowledged_at is None and r.status not in (Status.AWAITING_VERIFICATION,) and r.is_open,
    ),
    Step(
        "start",
        gettext_lazy("Start"),
        gettext_lazy("Start working on this request?"),
        _start,
        to_status=Status.IN_PROGRESS,
        reason_label=gettext_lazy("Note (optional, internal)"),
        reason_help=gettext_lazy("Access, portability and erasure run in the worker; you are told when they end."),
        applies=lambda r: r.status == Status.OPEN,
    ),
    Step(
        "send_for_approval",
        gettext_lazy("Send for approval"),
        gettext_lazy("Send this request to a second officer for approval?"),
        _send_for_approval,
        to_status=Status.AWAITING_APPROVAL,
        reason_label=gettext_lazy("What the approver should check (optional, internal)"),
        applies=lambda r: r.status == Status.IN_PROGRESS,
        adapt=lambda r: (
            {
                "required": True,
                "label": gettext_lazy("Outcome, as told to the subject once approved"),
                "help_text": gettext_lazy("A second officer approves it; the subject is then sent this outcome."),
            }
            if officer_finishes(r)
            else {}
        ),
    ),
    Step(
        "approve",
        gettext_lazy("Approve"),
        gettext_lazy("Approve and carry out this request?"),
        _approve,
        to_status=Status.COMPLETED,
        reason_label=gettext_lazy("Note (optional, internal)"),
        reason_help=gettext_lazy("A second officer approves; the officer who sent it for approval cannot."),
        permission=APPROVE_PERMISSION,
        applies=lambda r: r.status == Status.AWAITING_APPROVAL,
    ),
    Step(
        "return",
        gettext_lazy("Send back"),
        gettext_lazy("Send this request back to in progress?"),
        _transition(Status.IN_PROGRESS),
        to_status=Status.IN_PROGRESS,
        reason_required=True,
        reason_label=gettext_lazy("What needs doing first"),
        applies=lambda r: r.status == Status.AWAITING_APPROVAL,
    ),
    Step(
        "complete",
        gettext_lazy("Complete…"),
        gettext_lazy("Complete this request?"),
        _complete,
        to_status=Status.COMPLETED,
        reason_required=True,
        reason_label=gettext_lazy("Outcome, as told to the subject"),
        reason_help=gettext_lazy("The subject is emailed this and sees it in Your requests."),
        applies=lambda r: r.status == Status.IN_PROGRESS and officer_finishes(r) and execution_state(r) != "done",
    ),
    Step(
        "retry",
        gettext_lazy("Run again"),
        gettext_lazy("Queue this request's execution again?"),
        _retry,
        reason_label=gettext_lazy("Note (optional, internal)"),
        reason_help=gettext_lazy("The worker's last attempt failed; it is queued again."),
        applies=lambda r: r.status == Status.IN_PROGRESS and execution_state(r) in ("failed", "gave_up"),
    ),
    Step(
        "pause",
        gettext_lazy("Pause the clock"),
        gettext_lazy("Pause the clock of this request?"),
        _pause,
        reason_required=True,
        reason_label=gettext_lazy("What you are waiting for"),
        reason_help=gettext_lazy(
            "Identity or clarification from the subject. Written to them as a message, so say what you need "
            "and how to send it."
        ),
        applies=lambda r: r.is_open and r.paused_since is None and r.jurisdiction.pauses_clock,
    ),
    Step(
        "resume",
        gettext_lazy("Resume the clock"),
        gettext_lazy("Resume the clock of this request?"),
        _resume,
        reason_label=gettext_lazy("What came in (optional)"),
        applies=lambda r: r.paused_since is not None,
    ),
    Step(
        "extend",
        gettext_lazy("Extend…"),
        gettext_lazy("Extend the deadline of this request?"),
        _extend,
        reason_required=True,
        reason_label=gettext_lazy("Reasons for the extension, as sent to the subject"),
        reason_help=gettext_lazy("The law allows one extension, told to the subject before the original deadline."),
        applies=_can_extend,
    ),
    Step(
        "reject",
        gettext_lazy("Reject…"),
        gettext_lazy("Reject this request?"),
        _transition(Status.REJECTED),
        to_status=Status.REJECTED,
        reason_required=True,
        reason_label=gettext_lazy("Reason, as told to the subject"),
        danger=True,
    ),
    Step(
        "withdraw",
        gettext_lazy("Mark withdrawn"),
        gettext_lazy("Mark this request as withdrawn by the subject?"),
        _transition(Status.WITHDRAWN),
        to_status=Status.WITHDRAWN,
        reason_label=gettext_lazy("How the subject withdrew it (optional)"),
        danger=True,
    ),
]
# Expiry is not offered: unconfirmed requests expire through the retention rule, which
# also removes the identity data given.
STEPS_BY_CODE = {step.code: step for step in STEPS}


def approval_sender_id(request: SubjectRequest) -> int | None:
    """Who sent the request for approval: the service's own answer, so button and rule agree."""
    from apps.subject_requests.execution import approval_requested_by

    return approval_requested_by(request)


def available_steps(request: SubjectRequest, user) -> list[Step]:
    allowed = services.allowed_transitions(request)
    steps = []
    for step in STEPS:
        if step.to_status and step.to_status not in allowed:
            continue
        if not step.applies(request) or not user.has_perm(step.permission):
            continue
        if step.code == "approve" and approval_sender_id(request) == user.pk:
            continue  # four eyes: the approver is not who asked for approval
        steps.append(step)
    return steps


def refusal(request: SubjectRequest, step: Step | None) -> str:
    if step is None:
        return _("There is no such step.")
    return _("“%(step)s” is not possible for a request that is %(status)s.") % {
        "step": step.label,
        "status": request.get_status_display().lower(),
    }
