"""Batched mailings to many accounts: marketing campaigns and policy-change notices.

The worker records a batch of deliveries (unique per mailing and account) and commits them
before sending that batch, so a job restarted after a crash, or started twice, resumes where
it stopped and never sends anyone a second copy. The price is at-most-once: a crash between
the commit and the sending of a batch loses those copies, which is the right side to err on
for marketing and is visible as sent_count < audience_size.

Each kind of mailing registers how its audience is chosen and how one message is built
(``MAILING_KINDS``): marketing in ``apps.consent.marketing``, notices in ``apps.consent.policies``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.consent.models import Mailing, MailingDelivery
from apps.core.actors import SystemActor, record_actor

logger = logging.getLogger(__name__)

BATCH_SIZE = 200


@dataclass(frozen=True)
class MailingKind:
    audience: Callable[[Mailing], QuerySet[User]]
    build_message: Callable[[Mailing, User], EmailMessage]


MAILING_KINDS: dict[str, MailingKind] = {}


def _kind(mailing: Mailing) -> MailingKind:
    try:
        return MAILING_KINDS[mailing.kind]
    except KeyError:
        raise ValidationError(_("This kind of mailing cannot be sent.")) from None


def remaining_audience(mailing: Mailing) -> QuerySet[User]:
    delivered = MailingDelivery.objects.filter(mailing=mailing, subject=OuterRef("pk"))
    return _kind(mailing).audience(mailing).exclude(Exists(delivered))


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
    from apps.consent.tasks import send_mailing_task

    send_mailing_task.delay_on_commit(mailing.pk)
    return mailing


def mailing_send(*, mailing_id: int) -> Mailing | None:
    """Send what is left of a mailing, batch by batch (the worker's side)."""
    with transaction.atomic():
        mailing = Mailing.objects.select_for_update(skip_locked=True).filter(pk=mailing_id).first()
        if mailing is None:
            return Mailing.objects.filter(pk=mailing_id).first()  # gone, or another worker has it
        if mailing.status not in (Mailing.Status.QUEUED, Mailing.Status.SENDING):
            return mailing
        if mailing.send_after and mailing.send_after > timezone.now():
            return mailing  # beat picks it up when due
        mailing.status = Mailing.Status.SENDING
        mailing.started_at = mailing.started_at or timezone.now()
        mailing.save(update_fields=["status", "started_at"])
    kind = _kind(mailing)
    connection = get_connection()
    try:
        while True:
            with transaction.atomic():
                # Lock the mailing for the batch: a second worker on the same mailing waits, then
                # finds these deliveries recorded and skips them.
                Mailing.objects.select_for_update().get(pk=mailing.pk)
                batch = list(remaining_audience(mailing)[:BATCH_SIZE])
                MailingDelivery.objects.bulk_create(
                    [MailingDelivery(mailing=mailing, subject=user) for user in batch], ignore_conflicts=True
                )
                Mailing.objects.filter(pk=mailing.pk).update(sent_count=mailing.sent_count + len(batch))
                mailing.sent_count += len(batch)
            if not batch:
                break
            connection.send_messages([kind.build_message(mailing, user) for user in batch])
    except Exception as error:
        Mailing.objects.filter(pk=mailing.pk).update(
            status=Mailing.Status.FAILED, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        logger.exception("mailing %s failed", mailing.reference)
        raise
    Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.SENT, finished_at=timezone.now())
    mailing.refresh_from_db()
    return mailing


def mailings_send_due() -> int:
    """Beat: queue-time has come for scheduled mailings (a notice 15 days ahead, say)."""
    from apps.consent.tasks import send_mailing_task

    due = Mailing.objects.filter(
        status__in=[Mailing.Status.QUEUED, Mailing.Status.SENDING], send_after__lte=timezone.now()
    ).values_list("pk", flat=True)
    for pk in due:
        send_mailing_task.delay(pk)
    return len(due)
