"""Thin Celery doors onto the subject-request services."""

from __future__ import annotations

from celery import shared_task

from apps.subject_requests import notifications


@shared_task(acks_late=True)
def acknowledge_task(request_id: int) -> bool:
    sent = notifications.notify_acknowledged(request_id)
    if not sent:
        raise acknowledge_task.retry(countdown=60)
    return sent


@shared_task(acks_late=True)
def execute_task(request_id: int) -> str:
    from apps.subject_requests.execution import subject_request_execute

    request = subject_request_execute(request_id=request_id)
    return request.status if request is not None else "missing"


@shared_task(acks_late=True)
def remind_task() -> int:
    """Daily: officers' digest of requests due within 3 days and overdue (jobs.py)."""
    from apps.subject_requests.jobs import subject_requests_remind

    return len(subject_requests_remind())


@shared_task(acks_late=True)
def requeue_stuck_task() -> int:
    """Every 10 minutes: queue again the requests whose execution was lost (jobs.py)."""
    from apps.subject_requests.jobs import subject_requests_requeue_stuck

    return len(subject_requests_requeue_stuck())
