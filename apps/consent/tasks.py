"""The batched sender's job kind (apps/core/jobs/) and beat's door for scheduled mailings."""

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from apps.consent.mailing.queue import MAILING_JOB, mailing_mark_failed, mailings_send_due
from apps.consent.mailing.send import mailing_send
from apps.core.jobs import JobKind, register_job_kind


def _mailing_given_up(target: str, error: str) -> None:
    mailing_mark_failed(mailing_id=int(target), error=error)


register_job_kind(
    JobKind(
        name=MAILING_JOB,
        label=_("Mailing"),
        run=lambda target, heartbeat: mailing_send(mailing_id=int(target), heartbeat=heartbeat),
        on_give_up=_mailing_given_up,
        max_attempts=5,
    )
)


@shared_task(name="apps.consent.tasks.send_due_mailings_task")
def send_due_mailings_task() -> int:
    return mailings_send_due()
