"""The request's record of what the worker did, and the steps the worker and the officers'
services share: lock, record, complete, hand over to an officer, fail.

The worker's part itself is the engine in execution/, run as a background job (apps/core/jobs/,
kind ``subject_requests.execution``): the job machinery owns its lease, attempts and retries,
and the one reconciler sends on a request whose worker died. ``request.execution_state`` says
where the worker's part stands (ExecutionState); ``request.execution`` holds what it did (the
export or erasure it made, the restriction, ledger events, the officer who started it, the
last error).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from apps.accounts.models import User
from apps.core.actors import SystemActor
from apps.subject_requests.models import ExecutionState, RequestType, SubjectRequest
from apps.subject_requests.registry import COMPLETING, completion_waits_for, notify_step
from apps.subject_requests.services.requests import subject_request_note, subject_request_transition

Status = SubjectRequest.Status
Actor = User | SystemActor
SYSTEM = SystemActor("subject-requests")

# Types an officer finishes by hand after the worker has prepared them.
OFFICER_TYPES = {RequestType.RECTIFICATION, RequestType.COMPLAINT}
# Types with nothing to do without an account (no consents, no restriction to place).
ACCOUNT_TYPES = {RequestType.ACCESS, RequestType.PORTABILITY, RequestType.ERASURE, RequestType.RESTRICTION}


def now_iso() -> str:
    return timezone.now().isoformat()


def record_execution(request_id: int, *, state: str | None = None, **changes: Any) -> dict:
    """Merge ``changes`` into the request's execution record (and set its state), under the row lock.

    update(), not save(): bookkeeping is not a change of the request (no history row, no
    actor); the status changes it accompanies are recorded by the services.
    """
    with transaction.atomic():
        current = SubjectRequest.objects.select_for_update().values_list("execution", flat=True).get(pk=request_id)
        execution = {**(current or {}), **changes}
        fields: dict[str, Any] = {"execution": execution}
        if state is not None:
            fields["execution_state"] = state
        SubjectRequest.objects.filter(pk=request_id).update(**fields)
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


def complete(request_id: int, *, outcome: str, actor: Actor, reason: str, **extra: Any) -> SubjectRequest:
    """IN_PROGRESS → COMPLETED with the outcome the subject is told (emailed by the service).

    Unless another system must still confirm (apps/subject_requests/registry.py): then the
    request waits (AWAITING_SYSTEMS) with its outcome kept, and ``subject_request_resume``
    completes it when the last one has confirmed or been closed by an officer.
    """
    with transaction.atomic():
        request = lock(request_id)
        assert request is not None
        if request.status != Status.IN_PROGRESS:
            return request
        notify_step(request, COMPLETING)
        if completion_waits_for(request):
            pending = {
                "outcome": outcome,
                "reason": reason,
                "actor": actor.pk if isinstance(actor, User) else None,
                "extra": extra,
            }
            request.execution = record_execution(
                request.pk, state=ExecutionState.AWAITING_SYSTEMS, pending_completion=pending, **extra
            )
            request.execution_state = ExecutionState.AWAITING_SYSTEMS
            return request
        record_execution(request.pk, state=ExecutionState.DONE, finished_at=now_iso(), error="", **extra)
        return subject_request_transition(
            request=request, to_status=Status.COMPLETED, actor=actor, reason=reason, outcome=outcome
        )


def subject_request_resume(*, request_id: int) -> SubjectRequest | None:
    """Complete a request that waited for other systems, once none holds it any more (called by
    apps/systems when a system confirms or an officer closes its task). Safe to call again."""
    with transaction.atomic():
        request = lock(request_id)
        if request is None or request.status != Status.IN_PROGRESS:
            return request
        if request.execution_state != ExecutionState.AWAITING_SYSTEMS or completion_waits_for(request):
            return request
        pending = (request.execution or {}).get("pending_completion") or {}
        if pending.get("rerun"):
            # The work itself waited (an access request's export includes the systems' answers):
            # the worker carries it out now, and completes it as usual.
            from apps.core.jobs import job_enqueue

            request.execution = record_execution(request.pk, state=ExecutionState.QUEUED, pending_completion={})
            request.execution_state = ExecutionState.QUEUED
            job_enqueue(kind=SubjectRequest.RESUMED_JOB_KIND, target=request.pk)
            return request
        actor: Actor = SYSTEM
        if pending.get("actor"):
            actor = User.objects.filter(pk=pending["actor"]).first() or SYSTEM
        return complete(
            request.pk,
            outcome=pending.get("outcome", ""),
            actor=actor,
            reason=pending.get("reason") or "Completed",
            **(pending.get("extra") or {}),
        )


def await_systems_first(request: SubjectRequest) -> SubjectRequest | None:
    """Under the request's lock: when a gate holds it, leave the work itself until the systems
    have answered (``subject_request_resume`` queues it again then) and return the request;
    None when the work may go on now."""
    if not completion_waits_for(request):
        return None
    request.execution = record_execution(
        request.pk, state=ExecutionState.AWAITING_SYSTEMS, pending_completion={"rerun": True}
    )
    request.execution_state = ExecutionState.AWAITING_SYSTEMS
    return request


def await_officer(request: SubjectRequest, *, note: str, **extra: Any) -> SubjectRequest:
    """Leave the request IN_PROGRESS for an officer, with an internal note saying why."""
    with transaction.atomic():
        locked = lock(request.pk)
        assert locked is not None
        if locked.status != Status.IN_PROGRESS or locked.execution_state == ExecutionState.AWAITING_OFFICER:
            return locked
        locked.execution = record_execution(
            locked.pk, state=ExecutionState.AWAITING_OFFICER, finished_at=now_iso(), **extra
        )
        locked.execution_state = ExecutionState.AWAITING_OFFICER
        subject_request_note(request=locked, actor=None, body=note)
        return locked


def fail(request: SubjectRequest, *, error: str) -> SubjectRequest:
    """The engine failed: officers see the note and decide (retry, complete by hand, reject)."""
    with transaction.atomic():
        locked = lock(request.pk)
        assert locked is not None
        if locked.status != Status.IN_PROGRESS:
            return locked
        locked.execution = record_execution(
            locked.pk, state=ExecutionState.FAILED, finished_at=now_iso(), error=error[:1000]
        )
        locked.execution_state = ExecutionState.FAILED
        subject_request_note(request=locked, actor=None, body=f"Execution failed: {error}"[:10000])
        return locked


@transaction.atomic
def execution_give_up(*, request_id: int, error: str) -> SubjectRequest | None:
    """Its job gave up (the worker did not finish after several tries): officers are told."""
    locked = lock(request_id)
    if locked is None or locked.status != Status.IN_PROGRESS:
        return locked
    if locked.execution_state in (ExecutionState.DONE, ExecutionState.AWAITING_OFFICER, ExecutionState.FAILED):
        return locked
    locked.execution = record_execution(
        locked.pk, state=ExecutionState.GAVE_UP, finished_at=now_iso(), error=error[:1000]
    )
    locked.execution_state = ExecutionState.GAVE_UP
    subject_request_note(
        request=locked,
        actor=None,
        body=f"The worker did not finish this request ({error}). Queue it again or handle it by hand."[:10000],
    )
    return locked


def in_language(request: SubjectRequest, make: Callable[[], str]) -> str:
    with translation.override(request.language or settings.LANGUAGE_CODE):
        return make().strip()
