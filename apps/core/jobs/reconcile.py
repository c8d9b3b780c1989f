"""The one reconciler: whatever a worker still owes is sent to a worker again.

Run every minute by beat and by ``manage.py reconcile [--dry-run]``. It sends three kinds of
job, none of which anything else would ever send again:

* never sent: enqueued while the broker was down (the job row is the outbox);
* lost message: sent long ago and still not claimed (a broker restart, a flushed queue);
* lost worker: running, but its lease ran out (a worker killed outright stops renewing it).

Sending twice is harmless: a claim skips a job another worker holds, and every kind resumes
from its own checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from apps.core.jobs.kinds import job_kind
from apps.core.jobs.run import job_dispatch
from apps.core.models import Job

# Just enqueued jobs are being sent by their own transaction's on_commit: not the outbox's yet.
SEND_GRACE = timedelta(seconds=30)
State = Job.State


@dataclass
class Reconciled:
    unsent: list[int] = field(default_factory=list)
    lost_message: list[int] = field(default_factory=list)
    lost_worker: list[int] = field(default_factory=list)
    not_sent_now: list[int] = field(default_factory=list)  # the broker is still unreachable

    @property
    def jobs(self) -> list[int]:
        return [*self.unsent, *self.lost_message, *self.lost_worker]

    def as_dict(self) -> dict[str, list[int]]:
        return {
            "unsent": self.unsent,
            "lost_message": self.lost_message,
            "lost_worker": self.lost_worker,
            "not_sent_now": self.not_sent_now,
        }


def _redispatch_due(job: Job, now: datetime) -> bool:
    try:
        wait = job_kind(job.kind).redispatch_after
    except LookupError:
        return False  # a kind no longer installed: nothing could run it
    return job.dispatched_at is not None and job.dispatched_at <= now - wait


def jobs_reconcile(*, now: datetime | None = None, dry_run: bool = False) -> Reconciled:
    now = now or timezone.now()
    found = Reconciled()
    queued = Job.objects.filter(state=State.QUEUED)
    found.unsent = list(
        queued.filter(dispatched_at__isnull=True, updated_at__lte=now - SEND_GRACE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    found.lost_message = [job.pk for job in queued.filter(dispatched_at__isnull=False) if _redispatch_due(job, now)]
    for job in Job.objects.filter(state=State.RUNNING, lease_expires_at__lt=now).order_by("pk"):
        # Dead, and not sent again since it died (or that message was lost too).
        assert job.lease_expires_at is not None
        if job.dispatched_at is None or job.dispatched_at < job.lease_expires_at or _redispatch_due(job, now):
            found.lost_worker.append(job.pk)
    if not dry_run:
        found.not_sent_now = [pk for pk in found.jobs if not job_dispatch(pk)]
    return found
