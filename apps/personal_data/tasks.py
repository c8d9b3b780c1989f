"""The engines' background work: an erasure and an export are each a job (apps/core/jobs/),
sent to a worker as the core job task; the daily clean-up of expired exports is a beat task.

Job kinds are registered here, when PersonalDataConfig.ready loads this module.
"""

from datetime import timedelta

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from apps.core.jobs import JobKind, register_job_kind
from apps.personal_data.erasure.run import ERASURE_JOB, erasure_mark_failed, erasure_run
from apps.personal_data.erasure.run import MAX_ATTEMPTS as ERASURE_ATTEMPTS
from apps.personal_data.export.run import EXPORT_JOB, export_mark_failed, export_run, exports_delete_expired
from apps.personal_data.export.run import MAX_ATTEMPTS as EXPORT_ATTEMPTS

register_job_kind(
    JobKind(
        name=ERASURE_JOB,
        label=_("Erasure"),
        run=lambda target, heartbeat: erasure_run(erasure_id=int(target), heartbeat=heartbeat),
        on_give_up=lambda target, error: erasure_mark_failed(erasure_id=int(target), error=error),
        max_attempts=ERASURE_ATTEMPTS,
        # A queued erasure may only be waiting behind other work: a second message for it
        # would just be a duplicate delivery later, so it waits long before one is sent.
        redispatch_after=timedelta(hours=2),
    )
)
register_job_kind(
    JobKind(
        name=EXPORT_JOB,
        label=_("Export"),
        run=lambda target, heartbeat: export_run(export_id=int(target), heartbeat=heartbeat),
        on_give_up=lambda target, error: export_mark_failed(export_id=int(target), error=error),
        max_attempts=EXPORT_ATTEMPTS,
        redispatch_after=timedelta(minutes=30),
    )
)


@shared_task(name="apps.personal_data.tasks.delete_expired_exports_task")
def delete_expired_exports_task() -> int:
    return exports_delete_expired()
