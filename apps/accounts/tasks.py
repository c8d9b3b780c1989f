from celery import shared_task
from django.core.management import call_command


@shared_task(name="apps.accounts.tasks.clear_expired_sessions_task")
def clear_expired_sessions_task() -> None:
    """Daily: expired sessions still hold a user id and an IP; they serve no one."""
    call_command("clearsessions")
