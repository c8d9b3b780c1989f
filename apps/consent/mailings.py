"""Batched mailings to many accounts: marketing campaigns and policy-change notices.

The worker records a batch of deliveries (unique per mailing and account) and commits them
before sending that batch, so a job restarted after a crash, or started twice, resumes where
it stopped and never sends anyone a second copy. A send that raises (the mail server refused
a message, say) forgets the deliveries of the messages it did not send, so the mailing fails
visibly with sent_count < audience_size and a resume sends exactly those. The price is
at-most-once only for a killed worker: dying between the commit and the sending of a batch
loses those copies, which is the right side to err on.

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
from django.db.models import Exists, F, OuterRef, QuerySet
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
                # finds these deliveries recorded and skips them. The count is taken from the locked
                # row, not this worker's copy, which another worker may have overtaken.
                locked = Mailing.objects.select_for_update().get(pk=mailing.pk)
                batch = list(remaining_audience(mailing)[:BATCH_SIZE])
                MailingDelivery.objects.bulk_create(
                    [MailingDelivery(mailing=mailing, subject=user) for user in batch], ignore_conflicts=True
                )
                mailing.sent_count = locked.sent_count + len(batch)
                Mailing.objects.filter(pk=mailing.pk).update(sent_count=mailing.sent_count)
            if not batch:
                break
            _send_batch(connection, kind, mailing, batch)
    except Exception as error:
        Mailing.objects.filter(pk=mailing.pk).update(
            status=Mailing.Status.FAILED, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        logger.exception("mailing %s failed", mailing.reference)
        raise
    Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.SENT, finished_at=timezone.now())
    mailing.refresh_from_db()
    return mailing


def _send_batch(connection, kind: MailingKind, mailing: Mailing, batch: list[User]) -> None:
    """Send one message at a time over one connection, so a failure knows which were not sent."""
    sent = 0
    try:
        with connection:
            for user in batch:
                connection.send_messages([kind.build_message(mailing, user)])
                sent += 1
    except Exception:
        # Forget the deliveries of the messages not sent (this one and the rest of the batch),
        # so the count is true and a resume sends them.
        unsent = [user.pk for user in batch[sent:]]
        with transaction.atomic():
            Mailing.objects.select_for_update().get(pk=mailing.pk)
            forgotten, _rows = MailingDelivery.objects.filter(mailing=mailing, subject_id__in=unsent).delete()
            Mailing.objects.filter(pk=mailing.pk).update(sent_count=F("sent_count") - forgotten)
        raise


def mailings_send_due() -> int:
    """Beat: queue-time has come for scheduled mailings (a notice 15 days ahead, say)."""
    from apps.consent.tasks import send_mailing_task

    due = Mailing.objects.filter(
        status__in=[Mailing.Status.QUEUED, Mailing.Status.SENDING], send_after__lte=timezone.now()
    ).values_list("pk", flat=True)
    for pk in due:
        send_mailing_task.delay(pk)
    return len(due)
