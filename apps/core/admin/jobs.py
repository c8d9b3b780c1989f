"""Background jobs for officers: what failed for good (and why), what is running or waiting."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin.shared import ReadOnlyAdmin
from apps.core.models import Job


class JobAdmin(ReadOnlyAdmin):
    """Background work for officers: what failed for good (and why), what is running or waiting."""

    list_display = ("kind", "target", "state", "attempts", "heartbeat_at", "created_at", "finished_at")
    list_filter = ("state", "kind")
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


def register_job_admin(site: admin.AdminSite) -> None:
    """Called by the admin app once its site exists (apps/core/apps.py). Not a decorator:
    this package also holds the site's class, and importing it while the default site is
    being made registered the job list on a site that was then thrown away."""
    if not site.is_registered(Job):
        site.register(Job, JobAdmin)
