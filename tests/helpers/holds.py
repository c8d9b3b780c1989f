"""Legal holds as an officer places them."""

from datetime import timedelta

from apps.core.clock import organisation_today
from apps.retention.models import LegalHold
from apps.retention.services.holds import legal_hold_place


def hold_on(subject, officer, *, review_in=30, categories=None, reason=LegalHold.Reason.LITIGATION) -> LegalHold:
    return legal_hold_place(
        subject=subject,
        actor=officer,
        reason=reason,
        review_on=organisation_today() + timedelta(days=review_in),
        categories=categories,
        note="Case 2026/117",
    )
