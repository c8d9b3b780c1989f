"""The officer's workflow on the request page: the steps valid for each status, each behind a
confirmation page, messages to the subject and internal notes (two separate forms), and
applying a rectification. (The list's bulk "Assign to…" and its assignee filter are in
requests.py, with the list.)

``available_steps`` is what the request page shows as buttons; the step view refuses (4xx,
nothing changed) a step that is not in it. Each step is one call of
``services.workflow.subject_request_step_take`` (what each step does is there, STEP_ACTIONS);
status changes follow the lifecycle table (selectors/requests.py, TRANSITIONS).

``WorkflowAdminMixin`` adds these pages to SubjectRequestAdmin (admin/requests.py), whose
helpers (``_get``, ``_context``, ``_page_url``, ``_render_page``) they use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.admin.reauthentication import fresh_second_factor_required
from apps.subject_requests.domain import APPROVE_PERMISSION, HANDLE_PERMISSION, sees_subject
from apps.subject_requests.forms.intake import validate_identity_note
from apps.subject_requests.forms.workflow import MessageForm, NoteForm, ReasonForm
from apps.subject_requests.models import ExecutionState, RequestType, SubjectRequest
from apps.subject_requests.selectors.deadlines import clock
from apps.subject_requests.selectors.requests import allowed_transitions, field_label
from apps.subject_requests.selectors.workflow import approval_requested_by, officer_finishes
from apps.subject_requests.services.requests import subject_request_message, subject_request_note
from apps.subject_requests.services.workflow import rectification_apply, subject_request_step_take

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Status = SubjectRequest.Status


# --- The steps ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    code: str
    label: StrOrPromise  # the button
    question: StrOrPromise  # the confirmation page's title
    to_status: str = ""  # a status change: offered only when the lifecycle allows it
    reason_required: bool = False
    reason_label: StrOrPromise = ""
    reason_help: StrOrPromise = ""
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
    if request.jurisdiction.terms(request.request_type, request.received_at).extension is None:
        return False
    return request.due_at is None or timezone.now() <= request.due_at


STEPS: list[Step] = [
    Step(
        "open",
        gettext_lazy("Identity checked: open"),
        gettext_lazy("Open this request now that the person's identity is checked?"),
        to_status=Status.OPEN,
        reason_required=True,
        reason_label=gettext_lazy("How the identity was checked"),
        reason_help=gettext_lazy("Never a copy or the number of an identity document. The clock starts now."),
    ),
    Step(
        "acknowledge",
        gettext_lazy("Record acknowledgement"),
        gettext_lazy("Record that the request was acknowledged?"),
        reason_label=gettext_lazy("How it was acknowledged (optional, internal)"),
        reason_help=gettext_lazy("For example: told on the phone, or by letter. Kept as an internal note."),
        applies=lambda r: r.acknowledged_at is None and r.status not in (Status.AWAITING_VERIFICATION,) and r.is_open,
    ),
    Step(
        "start",
        gettext_lazy("Start"),
        gettext_lazy("Start working on this request?"),
        to_status=Status.IN_PROGRESS,
        reason_label=gettext_lazy("Note (optional, internal)"),
        reason_help=gettext_lazy("Access, portability and erasure run in the worker; you are told when they end."),
        applies=lambda r: r.status == Status.OPEN,
    ),
    Step(
        "send_for_approval",
        gettext_lazy("Send for approval"),
        gettext_lazy("Send this request to a second officer for approval?"),
        to_status=Status.AWAITING_APPROVAL,
        reason_label=gettext_lazy("What the approver should check (optional, internal)"),
        # Not while other systems confirm: approving would finish the request past its gate.
        applies=lambda r: r.status == Status.IN_PROGRESS and r.execution_state != ExecutionState.AWAITING_SYSTEMS,
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
        to_status=Status.COMPLETED,
        reason_label=gettext_lazy("Note (optional, internal)"),
        reason_help=gettext_lazy("A second officer approves; the officer who sent it for approval cannot."),
        permission=APPROVE_PERMISSION,
        applies=lambda r: r.status == Status.AWAITING_APPROVAL and r.execution_state != ExecutionState.AWAITING_SYSTEMS,
    ),
    Step(
        "return",
        gettext_lazy("Send back"),
        gettext_lazy("Send this request back to in progress?"),
        to_status=Status.IN_PROGRESS,
        reason_required=True,
        reason_label=gettext_lazy("What needs doing first"),
        applies=lambda r: r.status == Status.AWAITING_APPROVAL,
    ),
    Step(
        "complete",
        gettext_lazy("Complete…"),
        gettext_lazy("Complete this request?"),
        to_status=Status.COMPLETED,
        reason_required=True,
        reason_label=gettext_lazy("Outcome, as told to the subject"),
        reason_help=gettext_lazy("The subject is emailed this and sees it in Your requests."),
        applies=lambda r: (
            r.status == Status.IN_PROGRESS
            and officer_finishes(r)
            and r.execution_state not in (ExecutionState.DONE, ExecutionState.AWAITING_SYSTEMS)
        ),
    ),
    Step(
        "retry",
        gettext_lazy("Run again"),
        gettext_lazy("Queue this request's execution again?"),
        reason_label=gettext_lazy("Note (optional, internal)"),
        reason_help=gettext_lazy("The worker's last attempt failed; it is queued again."),
        applies=lambda r: (
            r.status == Status.IN_PROGRESS and r.execution_state in (ExecutionState.FAILED, ExecutionState.GAVE_UP)
        ),
    ),
    Step(
        "pause",
        gettext_lazy("Pause the clock"),
        gettext_lazy("Pause the clock of this request?"),
        reason_required=True,
        reason_label=gettext_lazy("What you are waiting for"),
        reason_help=gettext_lazy(
            "Identity or clarification from the subject. Written to them as a message, so say what you need "
            "and how to send it."
        ),
        applies=lambda r: (
            r.is_open and r.paused_since is None and r.jurisdiction.terms(r.request_type, r.received_at).pauses_clock
        ),
    ),
    Step(
        "resume",
        gettext_lazy("Resume the clock"),
        gettext_lazy("Resume the clock of this request?"),
        reason_label=gettext_lazy("What came in (optional)"),
        applies=lambda r: r.paused_since is not None,
    ),
    Step(
        "extend",
        gettext_lazy("Extend…"),
        gettext_lazy("Extend the deadline of this request?"),
        reason_required=True,
        reason_label=gettext_lazy("Reasons for the extension, as sent to the subject"),
        reason_help=gettext_lazy("The law allows one extension, told to the subject before the original deadline."),
        applies=_can_extend,
    ),
    Step(
        "reject",
        gettext_lazy("Reject…"),
        gettext_lazy("Reject this request?"),
        to_status=Status.REJECTED,
        reason_required=True,
        reason_label=gettext_lazy("Reason, as told to the subject"),
        danger=True,
    ),
    Step(
        "withdraw",
        gettext_lazy("Mark withdrawn"),
        gettext_lazy("Mark this request as withdrawn by the subject?"),
        to_status=Status.WITHDRAWN,
        reason_label=gettext_lazy("How the subject withdrew it (optional)"),
        danger=True,
    ),
]
# Expiry is not offered: unconfirmed requests expire through the retention rule, which
# also removes the identity data given.
STEPS_BY_CODE = {step.code: step for step in STEPS}
# The steps that hand a request to the engines (an export for access and portability, an
# erasure for erasure): they ask for a fresh second factor (apps.core.admin.reauthentication).
ENGINE_STEPS = frozenset({"start", "approve", "retry"})


def available_steps(request: SubjectRequest, user) -> list[Step]:
    allowed = allowed_transitions(request)
    steps = []
    for step in STEPS:
        if step.to_status and step.to_status not in allowed:
            continue
        if not step.applies(request) or not user.has_perm(step.permission):
            continue
        if step.code == "approve" and approval_requested_by(request) == user.pk:
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


# --- The pages ---------------------------------------------------------------------------------


class WorkflowAdminMixin:
    """Steps, messages, notes and rectification on SubjectRequestAdmin."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/step/<slug:code>/",
                wrap(self.step_view),
                name="subject_requests_subjectrequest_step",
            ),
            path("<path:object_id>/message/", wrap(self.message_view), name="subject_requests_subjectrequest_message"),
            path("<path:object_id>/note/", wrap(self.note_view), name="subject_requests_subjectrequest_note"),
            path("<path:object_id>/rectify/", wrap(self.rectify_view), name="subject_requests_subjectrequest_rectify"),
            *super().get_urls(),
        ]

    @fresh_second_factor_required(when=lambda self, request, object_id, code: code in ENGINE_STEPS)
    def step_view(self, request, object_id, code):
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        obj = self._get(request, object_id)
        step = STEPS_BY_CODE.get(code)
        if step is None:
            raise Http404
        if not request.user.has_perm(step.permission):
            raise PermissionDenied
        if step not in available_steps(obj, request.user):
            context = self._context(request, obj, _("Not possible"), error=refusal(obj, step))
            return TemplateResponse(request, "admin/subject_requests/subjectrequest/refused.html", context, status=409)
        reason_field = step.reason_field(obj)
        if step.code == "reject":
            reason_field["help_text"] = _(
                "The subject is sent this reason, with their right to complain to %(authority)s. "
                "Write it for them: plain words, no internal notes."
            ) % {"authority": obj.jurisdiction.authority_name}
        form = ReasonForm(request.POST if request.method == "POST" else None, **reason_field)
        status = 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                reason = form.cleaned_data["reason"].strip()
                try:
                    if step.code == "open":
                        validate_identity_note(reason)
                    # The step and its note stand or fall together (one transaction).
                    subject_request_step_take(request=obj, step=step.code, actor=request.user, reason=reason)
                except ValidationError as error:
                    for message in error.messages:
                        form.add_error(None, message)
                else:
                    obj.refresh_from_db()
                    self.message_user(
                        request,
                        _("Done: %(step)s. The request is now %(status)s.")
                        % {"step": step.label, "status": obj.get_status_display().lower()},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(self._page_url(obj))
        context = self._context(
            request,
            obj,
            step.question,
            step=step,
            form=form,
            req=obj,
            clock=clock(obj),
            authority=obj.jurisdiction.authority_name,
            authority_url=obj.jurisdiction.authority_url,
            sees_subject=sees_subject(request.user),
        )
        return TemplateResponse(request, "admin/subject_requests/subjectrequest/step.html", context, status=status)

    def message_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._get(request, object_id)
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                subject_request_message(request=obj, actor=request.user, body=form.cleaned_data["body"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, _("Message sent to the subject."), messages.SUCCESS)
                return HttpResponseRedirect(self._page_url(obj) + "#messages")
        return self._render_page(request, obj, 400, message_form=form)

    def note_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._get(request, object_id)
        form = NoteForm(request.POST)
        if form.is_valid():
            try:
                subject_request_note(request=obj, actor=request.user, body=form.cleaned_data["body"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, _("Internal note added."), messages.SUCCESS)
                return HttpResponseRedirect(self._page_url(obj) + "#notes")
        return self._render_page(request, obj, 400, note_form=form)

    def rectify_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._get(request, object_id)
        if obj.request_type != RequestType.RECTIFICATION or obj.status != Status.IN_PROGRESS:
            context = self._context(
                request,
                obj,
                _("Not possible"),
                error=_("Changes are applied to a rectification request in progress only."),
            )
            return TemplateResponse(request, "admin/subject_requests/subjectrequest/refused.html", context, status=409)
        proposed = (obj.scope or {}).get("changes") or {}
        accepted = [name for name in request.POST.getlist("accept") if name in proposed]
        if len(accepted) != len(set(request.POST.getlist("accept"))):
            self.message_user(request, _("Only the proposed changes can be accepted."), messages.ERROR)
            return self._render_page(request, obj, 400)
        try:
            rectification_apply(request=obj, actor=request.user, accepted=accepted)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return self._render_page(request, obj, 400)
        if accepted:
            text = _("Applied to the account: %(fields)s.") % {"fields": ", ".join(field_label(n) for n in accepted)}
        else:
            text = _("No change was accepted; nothing on the account was changed.")
        self.message_user(request, text, messages.SUCCESS)
        return HttpResponseRedirect(self._page_url(obj))
