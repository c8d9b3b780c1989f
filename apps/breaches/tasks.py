"""Beat's door for the breach clocks' reminders (``manage.py remind_breach_clocks`` is the other)."""

from celery import shared_task

from apps.breaches.services.clocks import breach_clocks_remind


@shared_task(name="apps.breaches.tasks.remind_breach_clocks_task")
def remind_breach_clocks_task() -> int:
    return len(breach_clocks_remind())
