"""The worker's record of a request (``request.execution``; its states are in domain.py), and the
steps every type shares: claiming an attempt, completing, handing over to an officer, failing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.actors import SystemActor
from apps.subject_requests.domain import AWAITING_OFFICER, DONE, FAILED, RUNNING
from apps.subject_requests.models import IMMEDIATE_TYPES, RequestType, SubjectRequest
from apps.subject_requests.services.requests import queue_execution, subject_request_note, subject_request_transition

logger = logging.getLogger(__name__)

Status = SubjectRequest.Status
Actor = User | SystemActor
SYSTEM = SystemActor("subject-requests")

# Types an officer finishes by hand after the worker has prepared them.
OFFICER_TYPES = {RequestType.RECTIFICATION, RequestType.COMPLAINT}
# Types with nothing to do without an account (no consents, no restriction to place).
ACCOUNT_TYPES = {RequestType.ACCESS, RequestType.PORTABILITY, RequestType.ERASURE, RequestType.RESTRICTION}


# --- Bookkeeping ---------------------------------------------------------------------------


def now_iso() -> str:
    return timezone.now().isoformat()


def record_execution(request_id: int, **changes: Any) -> dict:
    """Merge ``changes`` into the request's execution record, under the row lock.

    update(), not save(): bookkeeping is not a change of the request (no history row, no
    actor); the status changes it accompanies are recorded by the services.
    """
    with transaction.atomic():
        current = SubjectRequest.objects.select_for_update().values_list("execution", flat=True).get(pk=request_id)
        execution = {**(current or {}), **changes}
        SubjectRequest.objects.filter(pk=request_id).update(execution=execution)
    return execution


def lock(request_id: int) -> SubjectRequest | None:
    # of=self: PostgreSQL cannot lock the nullable side of the outer join to the subject.
    return (
        SubjectRequest.objects.select_for_update(of=("self",))
        .select_related("subject", "jurisdiction")
        .filter(pk=request_id)
        .first()
    )


def worker_actor(request: SubjectRequest) -> Actor:
    """The officer who started the request acts through the engines; otherwise the system."""
    officer_id = (request.execution or {}).get("started_by")
    if officer_id:
        officer = User.objects.filter(pk=officer_id, is_staff=True).first()
        if officer is not None:
            return officer
    return SYSTEM


def queue(request_id: int) -> None:
    """Ask the worker (tasks.execute_task) to carry the request out, after the commit."""
    transaction.on_commit(lambda: queue_execution(request_id))


def claim(request_id: int) -> SubjectRequest | None:
    """Lock the request, start it if it takes effect at once, and mark the attempt."""
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
        execution = request.execution or {}
        if execution.get("state") in (AWAITING_OFFICER, DONE):
            return request
        now = now_iso()
        request.execution = record_execution(
            request.pk,
            state=RUNNING,
            attempts=int(execution.get("attempts", 0)) + 1,
            started_at=execution.get("started_at") or now,
            active_at=now,
        )
        return request


def complete(request_id: int, *, outcome: str, actor: Actor, reason: str, **extra: Any) -> SubjectRequest:
    """IN_PROGRESS → COMPLETED with the outcome the subject is told (emailed by the service)."""
    with transaction.atomic():
        request = lock(request_id)
        assert request is not None
        if request.status != Status.IN_PROGRESS:
            return request
        record_execution(request.pk, state=DONE, finished_at=now_iso(), error="", **extra)
        return subject_request_transition(
            request=request, to_status=Status.COMPLETED, actor=actor, reason=reason, outcome=outcome
        )


def await_officer(request: SubjectRequest, *, note: str, **extra: Any) -> SubjectRequest:
    """Leave the request IN_PROGRESS for an officer, with an internal note saying why."""
    with transaction.atomic():
        locked = lock(request.pk)
        assert locked is not None
        if locked.status != Status.IN_PROGRESS or locked.execution.get("state") == AWAITING_OFFICER:
            return locked
        locked.execution = record_execution(locked.pk, state=AWAITING_OFFICER, finished_at=now_iso(), **extra)
        subject_request_note(request=locked, actor=None, body=note)
        return locked


def fail(request: SubjectRequest, *, error: str) -> SubjectRequest:
    """The engine gave up: officers see the note and decide (retry, complete by hand, reject)."""
    with transaction.atomic():
        locked = lock(request.pk)
        assert locked is not None
        if locked.status != Status.IN_PROGRESS:
            return locked
        locked.execution = record_execution(locked.pk, state=FAILED, finished_at=now_iso(), error=error[:1000])
        subject_request_note(request=locked, actor=None, body=f"Execution failed: {error}"[:10000])
        return locked


def in_language(request: SubjectRequest, make: Callable[[], str]) -> str:
    with translation.override(request.language or settings.LANGUAGE_CODE):
        return make().strip()


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
