"""The worker's side of a mailing: send what is left of it, batch by batch (see ``apps.consent.mailing``)."""

from __future__ import annotations

import logging

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import User
from apps.consent.mailing.kinds import MailingKind, kind_of, remaining_audience
from apps.consent.models import Mailing, MailingDelivery
from apps.core.jobs import Heartbeat

logger = logging.getLogger(__name__)

BATCH_SIZE = 200


def mailing_send(*, mailing_id: int, heartbeat: Heartbeat | None = None) -> Mailing | None:
    """Send what is left of a mailing, batch by batch (its job's work)."""
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
    kind = kind_of(mailing)
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
                if kind.delivered is not None and batch:
                    kind.delivered(mailing, [user.pk for user in batch])
                mailing.sent_count = locked.sent_count + len(batch)
                Mailing.objects.filter(pk=mailing.pk).update(sent_count=mailing.sent_count)
            if not batch:
                break
            _send_batch(connection, kind, mailing, batch)
            if heartbeat is not None:
                heartbeat.beat()
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
            if kind.forgotten is not None:
                kind.forgotten(mailing, unsent)
            Mailing.objects.filter(pk=mailing.pk).update(sent_count=F("sent_count") - forgotten)
        raise
