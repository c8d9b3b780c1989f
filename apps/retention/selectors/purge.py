"""Reads of purge runs for the admin. What each rule would take now is the engine's
(``apps.retention.purge.purge_preview``, in ``purge/scope.py``)."""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone

from apps.core.models import Job
from apps.retention.models import PurgeRun


def _live_jobs():
    # Waiting for a worker, or held by one whose lease is current.
    now = timezone.now()
    return Job.objects.filter(kind=PurgeRun.JOB_KIND).filter(
        Q(state=Job.State.QUEUED) | Q(state=Job.State.RUNNING, lease_expires_at__gt=now)
    )


def purge_run_live() -> PurgeRun | None:
    """The run being carried out now, or waiting for a worker, if any."""
    live = _live_jobs().values("target")
    return (
        PurgeRun.objects.annotate(target=Cast("pk", output_field=Job._meta.get_field("target")))
        .filter(status=PurgeRun.Status.RUNNING, target__in=live)
        .order_by("-started_at")
        .first()
    )


def purge_run_is_stale(run: PurgeRun) -> bool:
    """Running, but nobody is carrying it out: its worker died and no other has taken it over."""
    return run.status == PurgeRun.Status.RUNNING and not _live_jobs().filter(target=str(run.pk)).exists()
