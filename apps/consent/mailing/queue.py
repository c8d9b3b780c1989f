"""Handing mailings to the worker: a draft or failed mailing now, scheduled ones when they fall due.

The worker is the Celery task ``apps.consent.tasks.send_mailing_task``. The tasks module imports
this engine, so this module does not import it back: ``ConsentConfig.ready`` connects the task
here with ``worker_connect``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.consent.mailing.kinds import remaining_audience
from apps.consent.models import Mailing
from apps.core.actors import SystemActor, record_actor

_worker: Any = None


def worker_connect(task: Any) -> None:
    """Connect the Celery task that sends one mailing, given its id (``send_mailing_task``)."""
    global _worker
    _worker = task


def _send_mailing_task() -> Any:
    if _worker is None:
        raise RuntimeError("No mailing worker is connected: ConsentConfig.ready connects send_mailing_task.")
    return _worker


@transaction.atomic
def mailing_queue(*, mailing: Mailing, actor: User | SystemActor) -> Mailing:
    """Hand a draft (or a failed mailing, to resume it) to the worker."""
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status not in (Mailing.Status.DRAFT, Mailing.Status.FAILED):
        raise ValidationError(_("This mailing is already queued, sending or sent."))
    mailing.audience_size = mailing.sent_count + remaining_audience(mailing).count()
    mailing.status = Mailing.Status.QUEUED
    mailing.last_error = ""
    record_actor(mailing, actor=actor, reason="queued for sending")
    mailing.save(update_fields=["status", "audience_size", "last_error"])
    _send_mailing_task().delay_on_commit(mailing.pk)
    return mailing


def mailings_send_due() -> int:
    """Beat: queue-time has come for scheduled mailings (a notice 15 days ahead, say)."""
    send_mailing_task = _send_mailing_task()
    due = Mailing.objects.filter(
        status__in=[Mailing.Status.QUEUED, Mailing.Status.SENDING], send_after__lte=timezone.now()
    ).values_list("pk", flat=True)
    for pk in due:
        send_mailing_task.delay(pk)
    return len(due)
