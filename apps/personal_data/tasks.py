"""Thin tasks: they take ids and call one service, which owns the work and its checkpoint.

The engines queue their runs through the tasks registered here (``register_erasure_queue``,
``register_export_queue``): they sit below this layer and do not import it.
"""

from celery import shared_task

from apps.personal_data.erasure.batches import FilesPending
from apps.personal_data.erasure.run import (
    PENDING_STUCK_AFTER,
    erasure_mark_failed,
    erasure_requeue_stuck,
    erasure_run,
    register_erasure_queue,
)
from apps.personal_data.export.run import (
    export_run,
    exports_delete_expired,
    exports_requeue_stuck,
    register_export_queue,
)
from config.celery import PortalTask


class ErasureTask(PortalTask):
    """PortalTask's bounded retries; when they are spent (or the error is not transient)
    the run is marked FAILED with the error, so a stuck erasure is visible in the admin."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        erasure_id = args[0] if args else kwargs.get("erasure_id")
        erasure_mark_failed(erasure_id=erasure_id, error=f"{type(exc).__name__}: {exc}")

    @classmethod
    def on_bound(cls, app) -> None:
        super().on_bound(app)
        # Files of erased rows that storage could not delete yet: retried like a transient error.
        cls.autoretry_for = (*cls.autoretry_for, FilesPending)


@shared_task(name="apps.personal_data.tasks.erase_subject_task", base=ErasureTask, acks_late=True)
def erase_subject_task(erasure_id: int) -> str:
    run = erasure_run(erasure_id=erasure_id)
    return run.status if run is not None else "missing"


@shared_task(name="apps.personal_data.tasks.reconcile_task")
def reconcile_task() -> dict:
    """Periodic: re-enqueue erasures and exports whose worker died (see the services)."""
    erasures = erasure_requeue_stuck(pending_older_than=PENDING_STUCK_AFTER)
    return {"erasures": len(erasures), "exports": len(exports_requeue_stuck())}


@shared_task(name="apps.personal_data.tasks.export_subject_task", acks_late=True)
def export_subject_task(export_id: int) -> str:
    return export_run(export_id=export_id).status


@shared_task(name="apps.personal_data.tasks.delete_expired_exports_task")
def delete_expired_exports_task() -> int:
    return exports_delete_expired()


# The engines call these after their transaction commits. ``delay`` is looked up at call
# time, so a patched one is the one used.
register_erasure_queue(lambda erasure_id: erase_subject_task.delay(erasure_id))
register_export_queue(lambda export_id: export_subject_task.delay(export_id))
