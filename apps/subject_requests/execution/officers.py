"""The worker's part of the types an officer finishes (rectification, complaint): hand them over
with a note saying what to do. What officers then do (apply, complete, approve) are services
(services/workflow.py)."""

from __future__ import annotations

from apps.subject_requests.models import ExecutionState, RequestType, SubjectRequest
from apps.subject_requests.services.execution import await_officer

Status = SubjectRequest.Status


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
    return request.status == Status.IN_PROGRESS and request.execution_state == ExecutionState.AWAITING_OFFICER
