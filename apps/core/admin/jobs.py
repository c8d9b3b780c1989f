"""Background jobs for officers: what failed for good (and why), what is running or waiting,
and what looks stuck; the home page's tile counts the failed and the stuck."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.admin.shared import ReadOnlyAdmin
from apps.core.admin.workspace import Tile, register_tile
from apps.core.models import Job

# A queued job no worker has taken within this long has lost its message (or the broker is
# down): the reconciler sends it again, but an officer should know it is waiting.
QUEUED_TOO_LONG = timedelta(minutes=30)


def job_health_condition(name: str, now: datetime) -> Q:
    """Failed for good, or stuck: running on an expired lease, or queued for too long."""
    if name == "failed":
        return Q(state=Job.State.FAILED)
    return Q(state=Job.State.RUNNING, lease_expires_at__lt=now) | Q(
        state=Job.State.QUEUED, created_at__lt=now - QUEUED_TOO_LONG
    )


class JobHealthFilter(admin.SimpleListFilter):
    title = gettext_lazy("needs attention")
    parameter_name = "health"

    def lookups(self, request, model_admin):
        return (("failed", _("Failed for good")), ("stuck", _("Stuck or waiting too long")))

    def queryset(self, request, queryset):
        if self.value() in ("failed", "stuck"):
            return queryset.filter(job_health_condition(self.value(), timezone.now()))
        return queryset


class JobAdmin(ReadOnlyAdmin):
    """Background work for officers: what failed for good (and why), what is running or waiting."""

    list_display = ("kind", "target", "state", "attempts", "heartbeat_at", "created_at", "finished_at")
    list_filter = (JobHealthFilter, "state", "kind")
    search_fields = ("=reference", "=target")
    readonly_fields = (
        "reference",
        "kind",
        "target",
        "state",
        "attempts",
        "max_attempts",
        "heartbeat_at",
        "lease_expires_at",
        "dispatched_at",
        "started_at",
        "finished_at",
        "last_error",
    )
    date_hierarchy = "created_at"
    list_per_page = 50


def job_tile(request) -> Tile:
    """Failed and stuck jobs: both sets are small (the state index), counted in one query."""
    now = timezone.now()
    counts = Job.objects.filter(state__in=[Job.State.FAILED, *Job.LIVE]).aggregate(
        failed=Count("pk", filter=job_health_condition("failed", now)),
        stuck=Count("pk", filter=job_health_condition("stuck", now)),
    )
    changelist = reverse("admin:core_job_changelist")
    return Tile(
        key="jobs",
        title=_("Background work"),
        count=counts["failed"],
        summary=_("failed for good"),
        url=f"{changelist}?{urlencode({'health': 'failed'})}",
        attention=bool(counts["failed"] or counts["stuck"]),
        figures=(
            (
                counts["stuck"],
                _("stuck or waiting too long"),
                f"{changelist}?{urlencode({'health': 'stuck'})}",
                counts["stuck"] > 0,
            ),
        ),
    )


def register_job_admin(site: admin.AdminSite) -> None:
    """Called by the admin app once its site exists (apps/core/apps.py). Not a decorator:
    this package also holds the site's class, and importing it while the default site is
    being made registered the job list on a site that was then thrown away."""
    if not site.is_registered(Job):
        site.register(Job, JobAdmin)
    register_tile("jobs", order=60, may_view=lambda user: user.has_perm("core.view_job"), provider=job_tile)
