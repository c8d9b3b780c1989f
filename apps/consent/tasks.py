"""Thin tasks: they take ids and call one service."""

from celery import shared_task

from config.celery import PortalTask


@shared_task(name="apps.consent.tasks.send_mailing_task", base=PortalTask, acks_late=True)
def send_mailing_task(mailing_id: int) -> str:
    from apps.consent.mailings import mailing_send

    mailing = mailing_send(mailing_id=mailing_id)
    return mailing.status if mailing is not None else "missing"


@shared_task(name="apps.consent.tasks.send_due_mailings_task")
def send_due_mailings_task() -> int:
    from apps.consent.mailings import mailings_send_due

    return mailings_send_due()
