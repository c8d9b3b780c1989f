"""Keeping the request dashboard's all-time figures fresh: beat's ``refresh_dashboard_task``
every ``DASHBOARD_REFRESH_MINUTES`` and ``manage.py refresh_request_dashboard`` (the two doors
of a periodic job). Each recomputes them in every language of the portal and keeps them for
the page (``selectors.dashboard.dashboard_cached``), so no officer waits for a computation
over every request."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation

from apps.core.cache import remember
from apps.subject_requests.selectors.dashboard import DASHBOARD_CACHE_SECONDS, dashboard, dashboard_cache_key


def dashboard_refresh(*, dry_run: bool = False) -> list[str]:
    """Recompute the dashboard's figures in each language; the languages done (or due, dry run)."""
    now = timezone.now()
    done = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            if not dry_run:
                remember(dashboard_cache_key(now), DASHBOARD_CACHE_SECONDS, lambda: dashboard(now=now))
        done.append(language)
    return done
