"""Core's Celery tasks: the one task every background job is sent as, the reconciler, and the
health check's ping."""

from celery import shared_task

from apps.core.jobs import RetryLater, job_run, jobs_reconcile
from config.celery import PortalTask


class JobTask(PortalTask):
    """PortalTask's bounded, backed-off retries for transient database and broker errors,
    and for work that asked to be tried again later (RetryLater)."""

    @classmethod
    def on_bound(cls, app) -> None:
        super().on_bound(app)
        cls.autoretry_for = (*cls.autoretry_for, RetryLater)


@shared_task(name="apps.core.tasks.ping", acks_late=False, ignore_result=False)
def ping() -> str:
    """Answered by a live worker; /healthz waits briefly for it."""
    return "pong"


@shared_task(name="apps.core.tasks.run_job_task", base=JobTask, acks_late=True)
def run_job_task(job_id: int) -> str | None:
    """Claim a background job and run it (apps/core/jobs/). Transient database and broker
    errors are retried with backoff (config/celery.py, PortalTask); the job counts attempts."""
    job = job_run(job_id=job_id)
    return job.state if job is not None else None


@shared_task(name="apps.core.tasks.reconcile_jobs_task")
def reconcile_jobs_task() -> dict[str, list[int]]:
    """Send again the jobs whose message or worker was lost (beat, every minute)."""
    return jobs_reconcile().as_dict()


@shared_task(name="apps.core.tasks.relay_webhooks_task", acks_late=True)
def relay_webhooks_task() -> dict:
    """Send the due signed webhooks (apps/core/webhooks/outbox.py): nudged after every step
    that owes one, and run by beat every minute for retries and for what a dead worker left."""
    from apps.core.webhooks import webhooks_relay

    return webhooks_relay().as_dict()
