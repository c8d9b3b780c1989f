"""The subject-request jobs (apps/core/jobs/): carrying a request out, and acknowledging it by
email, each written with the step that owes it and sent on by the one reconciler if lost;
and beat's daily reminder of requests due."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from apps.core.jobs import JobKind, RetryLater, register_job_kind
from apps.subject_requests.execution import subject_request_execute
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.services.dashboard import dashboard_refresh
from apps.subject_requests.services.execution import execution_give_up
from apps.subject_requests.services.reminders import subject_requests_remind
from apps.subject_requests.services.requests import notify_acknowledged, subject_request_note


def _acknowledge(target: str, heartbeat) -> None:
    if not notify_acknowledged(int(target)):
        raise RetryLater("the acknowledgement email could not be sent yet")


def _acknowledgement_given_up(target: str, error: str) -> None:
    request = SubjectRequest.objects.filter(pk=int(target)).first()
    if request is not None and request.is_open:
        subject_request_note(
            request=request,
            actor=None,
            body=f"The acknowledgement email could not be sent ({error}). Acknowledge the request by other means.",
        )


def _execution_given_up(target: str, error: str) -> None:
    execution_give_up(request_id=int(target), error=error)


# A request's work, and the same work resumed once every system has answered (its own kind, so it
# is never taken for the first run's job while that one is still finishing).
for name, label in (
    (SubjectRequest.JOB_KIND, _("Subject request")),
    (SubjectRequest.RESUMED_JOB_KIND, _("Subject request, after the systems answered")),
):
    register_job_kind(
        JobKind(
            name=name,
            label=label,
            run=lambda target, heartbeat: subject_request_execute(request_id=int(target), heartbeat=heartbeat),
            on_give_up=_execution_given_up,
            # Any error is tried again (an officer would rather see it retried than failed at
            # once); after six tries officers are told, with the last error.
            retry_any_error=True,
            max_attempts=6,
            redispatch_after=timedelta(minutes=30),
        )
    )
register_job_kind(
    JobKind(
        name=SubjectRequest.ACKNOWLEDGEMENT_JOB_KIND,
        label=_("Acknowledgement"),
        run=_acknowledge,
        on_give_up=_acknowledgement_given_up,
        max_attempts=20,
    )
)


@shared_task(acks_late=True)
def remind_task() -> int:
    """Daily: officers' digest of requests due within 3 days and overdue (services/reminders.py)."""
    return len(subject_requests_remind())


@shared_task(acks_late=True)
def refresh_dashboard_task() -> list[str]:
    """Every few minutes (beat): the dashboard's all-time figures, so no officer waits for them."""
    return dashboard_refresh()
