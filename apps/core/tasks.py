from celery import shared_task


@shared_task(name="apps.core.tasks.ping", acks_late=False, ignore_result=False)
def ping() -> str:
    """Answered by a live worker; /healthz waits briefly for it."""
    return "pong"
