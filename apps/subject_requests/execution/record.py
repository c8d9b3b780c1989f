"""The worker's first step on a request, and what every engine shares about a request with no
account: claiming it (the job machinery counts the attempt), and answering when no account has
the address. The bookkeeping (record, complete, hand over, fail) is services/execution.py."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from apps.subject_requests.models import IMMEDIATE_TYPES, ExecutionState, SubjectRequest
from apps.subject_requests.registry import STARTED, notify_step
from apps.subject_requests.services.execution import (
    SYSTEM,
    await_officer,
    complete,
    in_language,
    lock,
    now_iso,
    record_execution,
)
from apps.subject_requests.services.requests import subject_request_transition

logger = logging.getLogger(__name__)

Status = SubjectRequest.Status


def claim(request_id: int) -> SubjectRequest | None:
    """Lock the request, start it if it takes effect at once, and mark it running."""
    with transaction.atomic():
        request = lock(request_id)
        if request is None:
            logger.warning("Subject request %s does not exist (a stale message); nothing to do.", request_id)
            return None
        if not request.is_open:
            return request
        if request.status == Status.OPEN and request.request_type in IMMEDIATE_TYPES:
            request = subject_request_transition(
                request=request, to_status=Status.IN_PROGRESS, actor=SYSTEM, reason="Started at once"
            )
        if request.status != Status.IN_PROGRESS:
            return request  # awaiting verification or approval, or open and not started by an officer
        if request.execution_state in (
            ExecutionState.AWAITING_OFFICER,
            ExecutionState.AWAITING_SYSTEMS,
            ExecutionState.DONE,
        ):
            return request
        execution = request.execution or {}
        request.execution = record_execution(
            request.pk, state=ExecutionState.RUNNING, started_at=execution.get("started_at") or now_iso()
        )
        request.execution_state = ExecutionState.RUNNING
        # In this transaction: apps that tell other systems (apps/systems) write what they owe
        # now, before the engine runs (an erasure would erase the address they must be told).
        notify_step(request, STARTED)
        return request


def address(request: SubjectRequest) -> str:
    return request.subject.email if request.subject is not None else request.requester_email


def no_account(request: SubjectRequest) -> SubjectRequest:
    """No account has the address: complete if nothing else holds it, else leave it to an officer.

    The registry search (find_personal_data) looks in every registered table for the address;
    rows of subject requests themselves do not count. Anything found is data without an
    account link, which only an officer can judge (the same person? someone else's address in
    a message?), so the request waits for one rather than answering "nothing" wrongly.
    """
    from apps.personal_data.selectors import find_personal_data

    email = request.requester_email
    findings = [f for f in find_personal_data(email) if not f.model.startswith("subject_requests.")] if email else []
    if findings:
        tables = sorted({f.table for f in findings})
        return await_officer(
            request,
            note=(
                "No account has this address, but it appears in: "
                + ", ".join(tables)
                + ". Find what belongs to the requester and complete the request by hand."
            ),
        )

    def outcome() -> str:
        if not email:  # Facebook's callback for a user id we never linked gives no address
            return _("We hold no personal data linked to you, apart from this request itself.")
        return _("We hold no personal data linked to %(email)s, apart from this request itself.") % {"email": email}

    return complete(request.pk, outcome=in_language(request, outcome), actor=SYSTEM, reason="No personal data held")
