"""Reads of the officer's workflow: who handles requests and is told about them, who sent a
request for approval, and whether the worker or an officer finishes it."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet

from apps.accounts.models import User
from apps.subject_requests.domain import HANDLE_PERMISSION
from apps.subject_requests.models import ExecutionState, RequestType, SubjectRequest

Status = SubjectRequest.Status

# Types an officer completes by hand (a complaint's outcome, a reviewed rectification);
# the worker completes the others, or leaves them to an officer (request.execution_state).
OFFICER_COMPLETED = {RequestType.COMPLAINT, RequestType.RECTIFICATION}
WORKER_DONE = (ExecutionState.AWAITING_OFFICER, ExecutionState.FAILED, ExecutionState.GAVE_UP, ExecutionState.DONE)


def officer_finishes(request: SubjectRequest) -> bool:
    """An officer writes the outcome: their types, or the worker's part is over."""
    return request.request_type in OFFICER_COMPLETED or request.execution_state in WORKER_DONE


def approval_requested_by(request: SubjectRequest) -> int | None:
    """The officer (pk) who sent the request for approval most recently, from its history."""
    sender = None
    for version in request.history.order_by("-history_date", "-history_id"):
        if version.status != Status.AWAITING_APPROVAL:
            break
        sender = version.history_user_id
    return sender


def handlers() -> QuerySet[User]:
    """Active staff who may handle requests: the people requests are assigned to."""
    app_label, codename = HANDLE_PERMISSION.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | Q(groups__permissions__in=permission) | Q(user_permissions__in=permission))
        .distinct()
        .order_by("email")
    )


def privacy_officers() -> list[User]:
    from apps.accounts.domain import PRIVACY_OFFICER

    return list(
        User.objects.filter(is_active=True, is_staff=True, groups__name=PRIVACY_OFFICER)
        .exclude(email="")
        .order_by("pk")
        .distinct()
    )


def recipients_for(request: SubjectRequest, officers: list[User]) -> list[User]:
    assignee = request.assignee
    if assignee is not None and assignee.is_active and assignee.is_staff and assignee.email:
        return [assignee]
    return officers  # unassigned (or the assignee left): every privacy officer
