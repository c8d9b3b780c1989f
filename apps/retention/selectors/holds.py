"""Reads of legal holds (P-42): as the erasure engine sees them, and the reviews that are due."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models

from apps.accounts.models import User
from apps.personal_data.registry import Hold
from apps.retention.models import LegalHold


def legal_holds_of(user: Any) -> list[Hold]:
    """The erasure engine's view of ``user``'s active legal holds (a hold provider)."""
    if user is None or user.pk is None:
        return []
    holds = LegalHold.objects.filter(subject_id=user.pk, released_at__isnull=True).order_by("pk")
    return [
        Hold(
            categories=frozenset(hold.categories) if hold.categories else None,
            reason=f"Legal hold: {hold.get_reason_display()}",
            reference=str(hold.reference),
        )
        for hold in holds
    ]


def active_holds_for(user: Any) -> list[LegalHold]:
    return list(LegalHold.objects.filter(subject_id=user.pk, released_at__isnull=True).select_related("placed_by"))


# --- Review reminders ----------------------------------------------------------------------------


def _reminder_due() -> models.Q:
    # Once per hold per review date: a reminder sent for an earlier date does not count.
    return models.Q(review_reminded_on__isnull=True) | models.Q(review_reminded_on__lt=models.F("review_on"))


def legal_holds_due_for_review(today: date) -> models.QuerySet:
    return (
        LegalHold.objects.filter(released_at__isnull=True, review_on__lte=today)
        .filter(_reminder_due())
        .select_related("placed_by")
        .order_by("review_on", "pk")
    )


def legal_hold_reminder_recipients(hold: LegalHold) -> list[User]:
    """The officer who placed the hold; if they have left, every active privacy officer."""
    from apps.accounts.domain import PRIVACY_OFFICER

    placer = hold.placed_by
    if placer.is_active and placer.is_staff and placer.email:
        return [placer]
    return list(User.objects.filter(is_active=True, is_staff=True, groups__name=PRIVACY_OFFICER).exclude(email=""))
