"""Reads of execution: the requests the worker owes work on whose task is lost (a broker
restart, a killed worker), for the reconciler (services/execution.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from apps.subject_requests.domain import UNFINISHED, parse_time
from apps.subject_requests.models import IMMEDIATE_TYPES, SubjectRequest

Status = SubjectRequest.Status
STUCK_AFTER = timedelta(minutes=30)


def last_activity(request: SubjectRequest) -> datetime:
    """The latest sign of life: queued, claimed or heartbeat, or the engine's own progress."""
    from apps.personal_data.models import DataExport, ErasureRun

    record = request.execution or {}
    # updated_at: the request's own last save (opening, starting), the fallback when the
    # worker never recorded anything (services/requests.py queues at opening without bookkeeping).
    times = [request.updated_at]
    times += [parse_time(record.get(key)) for key in ("queued_at", "active_at", "requeued_at")]
    if record.get("erasure"):
        erasures = ErasureRun.objects.filter(pk=record["erasure"].get("id"))
        times.append(erasures.values_list("updated_at", flat=True).first())
    if record.get("export"):
        exports = DataExport.objects.filter(pk=record["export"].get("id"))
        times.append(exports.values_list("updated_at", flat=True).first())
    found = [t for t in times if t is not None]
    return max(found)


def is_stuck(request: SubjectRequest, *, now: datetime, older_than: timedelta) -> bool:
    state = (request.execution or {}).get("state")
    if request.status == Status.IN_PROGRESS:
        owed = state in UNFINISHED
    else:
        # Withdrawals and objections are queued at opening (services/requests.py) and started by the worker.
        owed = request.status == Status.OPEN and request.request_type in IMMEDIATE_TYPES and state is None
    return owed and now - last_activity(request) >= older_than


def stuck_requests(*, older_than: timedelta = STUCK_AFTER, now: datetime | None = None) -> list[SubjectRequest]:
    """Requests the worker owes work on, idle for ``older_than``: IN_PROGRESS with the
    execution queued or running, and OPEN withdrawals and objections never started."""
    now = now or timezone.now()
    candidates = SubjectRequest.objects.filter(
        Q(status=Status.IN_PROGRESS) | Q(status=Status.OPEN, request_type__in=IMMEDIATE_TYPES)
    ).order_by("pk")
    return [r for r in candidates if is_stuck(r, now=now, older_than=older_than)]
