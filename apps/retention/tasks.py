"""Thin Celery doors onto the purge engine (``purge/``) and the hold review reminders (``services/holds.py``)."""

from __future__ import annotations

import logging

from celery import shared_task

from apps.retention.models import PurgeRun
from apps.retention.purge import LeaseLost, PurgeBusy, purge
from apps.retention.services.holds import legal_hold_remind_reviews

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def purge_task(triggered_by: str = PurgeRun.Trigger.SCHEDULE, actor_id: int | None = None, rule_code: str = "") -> str:
    from apps.accounts.models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    try:
        run = purge(triggered_by=triggered_by, actor=actor, rule_code=rule_code)
    except PurgeBusy as busy:
        logger.info("Purge not started: %s", busy)
        return f"busy:{busy.run.reference}"
    except LeaseLost:
        logger.warning("Purge run was taken over by another worker; this one stops.")
        return "taken-over"
    return f"{run.reference}:{run.status}"


@shared_task(acks_late=True)
def remind_hold_reviews_task() -> int:
    """Daily: remind officers of legal holds whose review date has passed (P-42)."""
    return len(legal_hold_remind_reviews())
