"""Handing mailings to the worker: a draft or failed mailing now, scheduled ones when they fall due.

Sending is a background job (apps/core/jobs/, kind ``consent.mailing``): its lease, heartbeat
and attempts are the job machinery's, and the one reconciler sends on a mailing whose worker
died. Beat's ``mailings_send_due`` hands over the scheduled ones when their time comes.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.consent.mailing.kinds import remaining_audience
from apps.consent.models import Mailing
from apps.core.actors import SystemActor, record_actor
from apps.core.jobs import job_enqueue

MAILING_JOB = Mailing.JOB_KIND


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
    if mailing.send_after is None or mailing.send_after <= timezone.now():
        job_enqueue(kind=MAILING_JOB, target=mailing.pk)  # sent to a worker after commit
    return mailing


def mailings_send_due() -> int:
    """Beat: queue-time has come for scheduled mailings (a notice 15 days ahead, say). A
    mailing already being sent keeps its job (asking again returns it)."""
    due = Mailing.objects.filter(status__in=[Mailing.Status.QUEUED, Mailing.Status.SENDING]).filter(
        Q(send_after__isnull=True) | Q(send_after__lte=timezone.now())
    )
    pks = list(due.values_list("pk", flat=True))
    for pk in pks:
        with transaction.atomic():
            job_enqueue(kind=MAILING_JOB, target=pk)
    return len(pks)


@transaction.atomic
def mailing_mark_failed(*, mailing_id: int, error: str) -> Mailing | None:
    """Its job gave up: an officer sees why, and may resume it."""
    mailing = Mailing.objects.select_for_update().filter(pk=mailing_id).first()
    if mailing is None or mailing.status in (Mailing.Status.SENT, Mailing.Status.FAILED):
        return mailing
    mailing.status = Mailing.Status.FAILED
    mailing.last_error = error[:2000]
    mailing.save(update_fields=["status", "last_error"])
    return mailing
