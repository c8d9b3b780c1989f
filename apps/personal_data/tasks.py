"""Thin tasks: they take ids and call one service, which owns the work and its checkpoint."""

from celery import shared_task


@shared_task(name="apps.personal_data.tasks.erase_subject_task", acks_late=True)
def erase_subject_task(erasure_id: int) -> str:
    from apps.personal_data.erasure import erasure_run

    return erasure_run(erasure_id=erasure_id).status


@shared_task(name="apps.personal_data.tasks.export_subject_task", acks_late=True)
def export_subject_task(export_id: int) -> str:
    from apps.personal_data.exports import export_run

    return export_run(export_id=export_id).status


@shared_task(name="apps.personal_data.tasks.delete_expired_exports_task")
def delete_expired_exports_task() -> int:
    from apps.personal_data.exports import exports_delete_expired

    return exports_delete_expired()
