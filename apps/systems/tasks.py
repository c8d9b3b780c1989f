"""apps/systems' background work: emailing instructions (a job, so it survives a broker that
is down and a worker that dies) and beat's hourly reminders of silent systems."""

from __future__ import annotations

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from apps.core.jobs import JobKind, RetryLater, register_job_kind
from apps.systems.domain import INSTRUCTIONS_JOB


def _send_instructions(target: str, heartbeat) -> None:
    from apps.systems.services import instructions_send

    try:
        instructions_send(task_id=int(target))
    except OSError as exc:  # the mail server is away: try again later
        raise RetryLater(str(exc)) from exc


register_job_kind(JobKind(name=INSTRUCTIONS_JOB, label=_("Instructions to a system"), run=_send_instructions))


@shared_task(acks_late=True)
def remind_task() -> dict[str, list[int]]:
    from apps.systems.services import systems_remind

    return systems_remind().as_dict()
