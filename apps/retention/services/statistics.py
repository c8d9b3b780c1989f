"""Keeping the statistics report's figures fresh: beat's ``refresh_statistics_task`` every
``STATISTICS_REFRESH_MINUTES`` and ``manage.py refresh_statistics`` (the two doors of a
periodic job). Each recomputes the default period's report in every language of the portal
and keeps it for the page (``selectors.statistics.statistics_report_cached``), so no officer
waits for a computation over every account."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from apps.core.cache import remember
from apps.core.clock import organisation_today
from apps.retention.domain import DEFAULT_PERIOD
from apps.retention.selectors.statistics import STATISTICS_CACHE_SECONDS, statistics_cache_key, statistics_report


def statistics_refresh(*, dry_run: bool = False) -> list[str]:
    """Recompute the default period's report in each language; the languages done (or due, dry run)."""
    today = organisation_today()
    done = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            if not dry_run:
                key = statistics_cache_key(DEFAULT_PERIOD, today)
                remember(key, STATISTICS_CACHE_SECONDS, lambda: statistics_report(months=DEFAULT_PERIOD, today=today))
        done.append(language)
    return done
