"""Thin Celery doors onto the subject-request services.

The services queue acknowledge_task and execute_task through services.requests.QUEUES
(connected in apps.py), since this module sits above them.
"""

from __future__ import annotations

from celery import shared_task

from apps.subject_requests.execution import subject_request_execute
from apps.subject_requests.services.execution import subject_requests_requeue_stuck
from apps.subject_requests.services.reminders import subject_requests_remind
from apps.subject_requests.services.requests import notify_acknowledged


@shared_task(acks_late=True)
def acknowledge_task(request_id: int) -> bool:
    sent = notify_acknowledged(request_id)
    if not sent:
        raise acknowledge_task.retry(countdown=60)
    return sent


@shared_task(acks_late=True)
def execute_task(request_id: int) -> str:
    request = subject_request_execute(request_id=request_id)
    return request.status if request is not None else "missing"


@shared_task(acks_late=True)
def remind_task() -> int:
    """Daily: officers' digest of requests due within 3 days and overdue (services/reminders.py)."""
    return len(subject_requests_remind())


@shared_task(acks_late=True)
def requeue_stuck_task() -> int:
    """Every 10 minutes: queue again the requests whose execution was lost (services/execution.py)."""
    return len(subject_requests_requeue_stuck())
