"""The engines' background work: an erasure and an export are each a job (apps/core/jobs/),
sent to a worker as the core job task; the daily clean-up of expired exports is a beat task.

Job kinds are registered here, when PersonalDataConfig.ready loads this module. Each runs its
engine's function as it stands when the job runs (looked up on the engine's module).
"""

from datetime import timedelta

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from apps.core.jobs import JobKind, register_job_kind
from apps.personal_data.erasure import run as erasure
from apps.personal_data.export import run as export


def _erasure_given_up(target: str, error: str) -> None:
    erasure.erasure_mark_failed(erasure_id=int(target), error=error)


def _export_given_up(target: str, error: str) -> None:
    export.export_mark_failed(export_id=int(target), error=error)


register_job_kind(
    JobKind(
        name=erasure.ERASURE_JOB,
        label=_("Erasure"),
        run=lambda target, heartbeat: erasure.erasure_run(erasure_id=int(target), heartbeat=heartbeat),
        on_give_up=_erasure_given_up,
        max_attempts=erasure.MAX_ATTEMPTS,
        # A queued erasure may only be waiting behind other work: a second message for it
        # would just be a duplicate delivery later, so it waits long before one is sent.
        redispatch_after=timedelta(hours=2),
    )
)
register_job_kind(
    JobKind(
        name=export.EXPORT_JOB,
        label=_("Export"),
        run=lambda target, heartbeat: export.export_run(export_id=int(target), heartbeat=heartbeat),
        on_give_up=_export_given_up,
        max_attempts=export.MAX_ATTEMPTS,
        # A failed build is marked failed by the engine itself; anything else that stops one
        # (a lost connection, a crash) is worth another try.
        retry_any_error=True,
        redispatch_after=timedelta(minutes=30),
    )
)


@shared_task(name="apps.personal_data.tasks.delete_expired_exports_task")
def delete_expired_exports_task() -> int:
    return export.exports_delete_expired()
