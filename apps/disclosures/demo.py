"""Demo register entries for `make run`: one ordinary disclosure and one withheld court order."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.accounts.models import User
from apps.disclosures.models import Disclosure, Recipient
from apps.disclosures.services import disclosure_record


def seed_disclosures(*, officer: User, customers: list[User]) -> int:
    """Idempotent: does nothing once the register has entries."""
    if Disclosure.objects.exists():
        return 0
    mailer, _ = Recipient.objects.get_or_create(
        name="Example Print & Post Ltd",
        defaults={
            "category": Recipient.Category.PROCESSOR,
            "country": "GB",
            "agreement": Recipient.Agreement.PROCESSING,
            "agreement_reference": "DPA-2026-007",
            "contact_email": "privacy@printpost.example",
        },
    )
    analytics, _ = Recipient.objects.get_or_create(
        name="Example Analytics Inc.",
        defaults={
            "category": Recipient.Category.PROCESSOR,
            "country": "US",
            "transfer_safeguard": "scc",
            "agreement": Recipient.Agreement.PROCESSING,
            "agreement_reference": "DPA-2025-031",
        },
    )
    court, _ = Recipient.objects.get_or_create(
        name="Example County Court", defaults={"category": Recipient.Category.COURT, "country": "GB"}
    )
    now = timezone.now()
    disclosure_record(
        recipient=mailer,
        subjects=customers,
        data_categories=["identity", "contact"],
        description="Names and postal addresses for the spring catalogue mailing",
        disclosed_at=now - timedelta(days=40),
        reason="Posting the catalogue customers asked for",
        legal_basis="contract",
        actor=officer,
    )
    disclosure_record(
        recipient=analytics,
        subjects=customers[:1],
        data_categories=["usage", "technical"],
        description="Pseudonymised listening statistics for March",
        disclosed_at=now - timedelta(days=20),
        reason="Usage analysis under a processing agreement (standard contractual clauses)",
        legal_basis="contract",
        actor=officer,
    )
    disclosure_record(
        recipient=court,
        subjects=customers[:1],
        data_categories=["usage"],
        description="Login times for one week",
        disclosed_at=now - timedelta(days=5),
        reason="Production order in a civil case",
        legal_basis="court_order",
        actor=officer,
        external_reference="CC-2026-0311",
        requested_by="Clerk to the court",
        approved_by=officer,
        visibility=Disclosure.Visibility.WITHHELD,
        withheld_reason="The court order forbids telling the account holder until the case is closed.",
        withheld_review_date=(now + timedelta(days=90)).date(),
    )
    return 3
