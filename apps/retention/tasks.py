"""Thin Celery doors onto the purge engine (``purge/``), the hold review reminders
(``services/holds.py``) and the statistics report's refresh (``services/statistics.py``), and
the purge run's job kind (apps/core/jobs/)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from apps.core.jobs import JobKind, RetryLater, register_job_kind
from apps.retention.models import PurgeRun
from apps.retention.purge import PURGE_JOB, PurgeBusy, purge, purge_job_run, purge_mark_failed
from apps.retention.services.holds import legal_hold_remind_reviews
from apps.retention.services.statistics import statistics_refresh

logger = logging.getLogger(__name__)


def _purge_given_up(target: str, error: str) -> None:
    purge_mark_failed(run_id=int(target), error=error)


register_job_kind(
    JobKind(
        name=PURGE_JOB,
        label=_("Purge run"),
        run=purge_job_run,
        on_give_up=_purge_given_up,
        max_attempts=5,
    )
)


@shared_task(acks_late=True)
def purge_task(triggered_by: str = PurgeRun.Trigger.SCHEDULE, rule_code: str = "") -> str:
    """Daily (beat): every enabled rule, carried out in this worker."""
    try:
        run = purge(triggered_by=triggered_by, rule_code=rule_code)
    except PurgeBusy as busy:
        logger.info("Purge not started: %s", busy)
        return f"busy:{busy.run.reference}"
    except RetryLater as wait:
        # The run's job is released: its next delivery (the reconciler's) finishes it.
        logger.warning("Purge run not finished: %s", wait)
        return "retry-later"
    return f"{run.reference}:{run.status}"


@shared_task(acks_late=True)
def remind_hold_reviews_task() -> int:
    """Daily: remind officers of legal holds whose review date has passed (P-42)."""
    return len(legal_hold_remind_reviews())


@shared_task(acks_late=True)
def refresh_statistics_task() -> list[str]:
    """Every few minutes (beat): the statistics report's figures, so no officer waits for them."""
    return statistics_refresh()
