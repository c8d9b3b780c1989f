"""Reads of purge runs for the admin. What each rule would take now is the engine's
(``apps.retention.purge.purge_preview``, in ``purge/scope.py``)."""

from __future__ import annotations

from django.utils import timezone

from apps.retention.models import PurgeRun


def purge_run_live() -> PurgeRun | None:
    """The run a worker is carrying out now (its lease is current), if any."""
    return (
        PurgeRun.objects.filter(status=PurgeRun.Status.RUNNING, lease_expires_at__gt=timezone.now())
        .order_by("-started_at")
        .first()
    )
