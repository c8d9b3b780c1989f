"""Carrying out each type of subject request, in the worker.

Who calls what:

* ``subject_request_start`` (services/workflow.py; an officer, or a command) moves an OPEN
  request to IN_PROGRESS and queues its job (apps/core/jobs/, kind
  ``subject_requests.execution``); withdrawals and objections (models.IMMEDIATE_TYPES) are
  queued straight from opening (services/requests.py) and ``subject_request_execute`` starts
  them itself.
* ``subject_request_execute`` (the job's work) does the request's work and completes it, or leaves
  it IN_PROGRESS waiting for an officer (rectification, complaint, data found without an
  account); officers finish those with ``rectification_apply``, ``subject_request_complete``
  and ``subject_request_approve`` (services/workflow.py).

``request.execution_state`` says where the worker's part stands (models.ExecutionState: queued,
running, awaiting_officer, failed, gave_up, done); the job holds its lease and counts its
attempts. ``request.execution`` is the worker's record (no history row per write; the status
changes are the timeline):

    started_at, finished_at   ISO datetimes
    started_by   the officer who started it (their pk), the actor of the engines' writes
    export / erasure / restriction   {"id", "reference"} of what the engine made, recorded
                 before the engine runs, so another delivery resumes it instead of doubling it
    consent_events, suppressions   what the ledger got
    error        the last failure, for officers

Execution is safe to run twice: the row is locked while the work is claimed and recorded;
the engines (export, erasure) run outside that lock (an erasure is many short transactions,
checkpointed, and must not sit inside one long one) and are idempotent on their own; the
ledger types write their entries and complete the request in one transaction.

Scope keys read here (set by forms/requests.py): ``purposes`` (purpose codes, or ids) for
restriction, objection and withdrawal (empty: all processing / all granted consents);
``all_processing`` (bool) for restriction; ``direct_marketing`` (bool) for objection (any
marketing purpose chosen counts too); ``changes`` ({field: new value}) for rectification.

Modules: record (claiming, and requests with no account), engines (export, erasure), ledger
(consent types), officers (handing the types officers finish over to them). The bookkeeping
shared with the officers' services is services/execution.py.
"""

from __future__ import annotations

from collections.abc import Callable

from apps.core.jobs import Heartbeat
from apps.subject_requests.execution.engines import erasure_outcome, execute_erasure, execute_export
from apps.subject_requests.execution.ledger import (
    execute_objection,
    execute_restriction,
    execute_stop_processing,
    execute_withdrawal,
)
from apps.subject_requests.execution.officers import awaiting_officer, execute_for_officer
from apps.subject_requests.execution.record import claim
from apps.subject_requests.models import ExecutionState, RequestType, SubjectRequest
from apps.subject_requests.services.execution import record_execution

Status = SubjectRequest.Status

# --- Executing ------------------------------------------------------------------------------


def subject_request_execute(*, request_id: int, heartbeat: Heartbeat | None = None) -> SubjectRequest | None:
    """Carry out one request (its job's work). Safe to run any number of times."""
    request = claim(request_id)
    if request is None or request.status != Status.IN_PROGRESS or request.execution_state != ExecutionState.RUNNING:
        return request
    handler = HANDLERS[request.request_type]
    try:
        return handler(request)
    except Exception as exc:
        # The job is tried again (its kind retries every error) and gives up after a few tries.
        record_execution(request.pk, error=f"{type(exc).__name__}: {exc}"[:1000])
        raise


HANDLERS: dict[str, Callable[[SubjectRequest], SubjectRequest]] = {
    RequestType.ACCESS: execute_export,
    RequestType.PORTABILITY: execute_export,
    RequestType.ERASURE: execute_erasure,
    RequestType.RESTRICTION: execute_restriction,
    RequestType.OBJECTION: execute_objection,
    RequestType.WITHDRAWAL: execute_withdrawal,
    RequestType.STOP_PROCESSING: execute_stop_processing,
    RequestType.RECTIFICATION: execute_for_officer,
    RequestType.COMPLAINT: execute_for_officer,
}


__all__ = [
    "HANDLERS",
    "awaiting_officer",
    "erasure_outcome",
    "subject_request_execute",
]
