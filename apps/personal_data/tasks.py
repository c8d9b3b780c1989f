"""Thin tasks: they take ids and call one service, which owns the work and its checkpoint."""

from celery import shared_task

from config.celery import PortalTask


class ErasureTask(PortalTask):
    """PortalTask's bounded retries; when they are spent (or the error is not transient)
    the run is marked FAILED with the error, so a stuck erasure is visible in the admin."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        from apps.personal_data.erasure import erasure_mark_failed

        erasure_id = args[0] if args else kwargs.get("erasure_id")
        erasure_mark_failed(erasure_id=erasure_id, error=f"{type(exc).__name__}: {exc}")

    @classmethod
    def on_bound(cls, app) -> None:
        from apps.personal_data.erasure import FilesPending

        super().on_bound(app)
        # Files of erased rows that storage could not delete yet: retried like a transient error.
        cls.autoretry_for = (*cls.autoretry_for, FilesPending)


@shared_task(name="apps.personal_data.tasks.erase_subject_task", base=ErasureTask, acks_late=True)
def erase_subject_task(erasure_id: int) -> str:
    from apps.personal_data.erasure import erasure_run

    run = erasure_run(erasure_id=erasure_id)
    return run.status if run is not None else "missing"


@shared_task(name="apps.personal_data.tasks.reconcile_task")
def reconcile_task() -> dict:
    """Periodic: re-enqueue erasures and exports whose worker died (see the services)."""
    from apps.personal_data.erasure import PENDING_STUCK_AFTER, erasure_requeue_stuck
    from apps.personal_data.exports import exports_requeue_stuck

    erasures = erasure_requeue_stuck(pending_older_than=PENDING_STUCK_AFTER)
    return {"erasures": len(erasures), "exports": len(exports_requeue_stuck())}


@shared_task(name="apps.personal_data.tasks.export_subject_task", acks_late=True)
def export_subject_task(export_id: int) -> str:
    from apps.personal_data.exports import export_run

    return export_run(export_id=export_id).status


@shared_task(name="apps.personal_data.tasks.delete_expired_exports_task")
def delete_expired_exports_task() -> int:
    from apps.personal_data.exports import exports_delete_expired

    return exports_delete_expired()
