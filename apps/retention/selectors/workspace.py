"""The home page's retention tiles (apps/core/admin/workspace.py): legal holds past their review
date, and the last purge run and the next.

The holds' count uses the same condition as the hold list's "review date passed" filter, which
the tile links to; active holds are few, whatever the number of customers.
"""

from __future__ import annotations

from datetime import datetime

from celery import current_app
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from apps.core.admin.workspace import Tile, TileRow
from apps.core.clock import organisation_time, organisation_today
from apps.retention.models import LegalHold, PurgeRun
from apps.retention.selectors.purge import purge_run_is_stale

PURGE_TASK = "apps.retention.tasks.purge_task"
ROWS = 5


def review_due_condition() -> Q:
    """Active holds whose review date has come: the hold list's "review date passed" filter."""
    return Q(released_at__isnull=True, review_on__lte=organisation_today())


def hold_review_tile(request) -> Tile:
    holds = LegalHold.objects.filter(review_due_condition())
    count = holds.count()
    rows = tuple(
        TileRow(
            label=_("Hold %(reference)s (%(reason)s)")
            % {"reference": str(hold.reference)[:8], "reason": hold.get_reason_display()},
            url=reverse("admin:retention_legalhold_change", args=[hold.pk]),
            detail=_("review was due %(date)s") % {"date": f"{hold.review_on:%Y-%m-%d}"},
            attention=True,
        )
        for hold in holds.order_by("review_on", "pk")[:ROWS]
    )
    return Tile(
        key="hold_reviews",
        title=_("Legal holds to review"),
        count=count,
        summary=_("past their review date"),
        url=f"{reverse('admin:retention_legalhold_changelist')}?{urlencode({'review_due': 'yes'})}",
        rows=rows,
        attention=count > 0,
    )


def next_scheduled(task: str, now: datetime) -> datetime | None:
    """When beat next runs ``task`` (config/celery.py declares the schedule once), or None."""
    for entry in (current_app.conf.beat_schedule or {}).values():
        if entry.get("task") == task:
            schedule = entry["schedule"]
            return now + schedule.remaining_estimate(now)
    return None


def purge_tile(request) -> Tile:
    now = timezone.now()
    last = PurgeRun.objects.order_by("-started_at").first()  # the started_at ordering's index
    upcoming = next_scheduled(PURGE_TASK, now)
    changelist = reverse("admin:retention_purgerun_changelist")
    rows = []
    if upcoming is not None:
        rows.append(
            TileRow(
                label=_("Next run"),
                url=changelist,
                detail=f"{organisation_time(upcoming):%Y-%m-%d %H:%M}",
            )
        )
    if last is None:
        return Tile(
            key="purge",
            title=_("Retention purge"),
            count=None,
            summary=_("no run yet"),
            url=changelist,
            rows=tuple(rows),
        )
    stale = purge_run_is_stale(last)
    failed = last.status in (PurgeRun.Status.FAILED, PurgeRun.Status.COMPLETED_WITH_ERRORS)
    state = _("stopped: no worker is carrying it out") if stale else last.get_status_display()
    return Tile(
        key="purge",
        title=_("Retention purge"),
        count=None,
        summary=_("last run %(date)s: %(state)s")
        % {"date": f"{organisation_time(last.started_at):%Y-%m-%d %H:%M}", "state": state},
        url=reverse("admin:retention_purgerun_change", args=[last.pk]),
        rows=tuple(rows),
        attention=stale or failed,
    )
