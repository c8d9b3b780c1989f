"""Thin tasks: they take ids and call one service (the batched sender, apps.consent.mailing)."""

from celery import shared_task

from apps.consent.mailing.queue import mailings_send_due
from apps.consent.mailing.send import mailing_send
from config.celery import PortalTask


@shared_task(name="apps.consent.tasks.send_mailing_task", base=PortalTask, acks_late=True)
def send_mailing_task(mailing_id: int) -> str:
    mailing = mailing_send(mailing_id=mailing_id)
    return mailing.status if mailing is not None else "missing"


@shared_task(name="apps.consent.tasks.send_due_mailings_task")
def send_due_mailings_task() -> int:
    return mailings_send_due()
