"""Reads of the retention app: rules as customers see them, and holds as the engine sees them."""

from __future__ import annotations

from typing import Any

from apps.personal_data.holds import Hold
from apps.retention.models import LegalHold, RetentionRule


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


def rules_for_customers() -> list[RetentionRule]:
    """The enabled rules, in the order "Your Account → How long we keep your data" lists them."""
    return list(RetentionRule.objects.filter(enabled=True).order_by("order", "code"))
