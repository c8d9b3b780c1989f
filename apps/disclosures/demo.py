"""Demo register entries for `make run`: ordinary disclosures and one withheld tax-authority notice.

Court and police demands go through compelled requests (two officers), so the demo has none."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.accounts.demo import DemoSeed
from apps.core.clock import organisation_today
from apps.disclosures.models import Disclosure, Recipient
from apps.disclosures.services.register import disclosure_record


def seed(demo: DemoSeed) -> int:
    officer, customers = demo.officer, demo.customers
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
    tax, _ = Recipient.objects.get_or_create(
        name="Example Tax Authority", defaults={"category": Recipient.Category.GOVERNMENT, "country": "GB"}
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
        recipient=tax,
        subjects=customers[:1],
        data_categories=["financial"],
        description="Subscription payments received in the last tax year",
        disclosed_at=now - timedelta(days=5),
        reason="Information notice from the tax authority",
        legal_basis="legal_obligation",
        actor=officer,
        external_reference="IN-2026-0311",
        requested_by="Compliance officer, Example Tax Authority",
        visibility=Disclosure.Visibility.WITHHELD,
        withheld_reason="The information notice forbids telling the account holder while the enquiry is open.",
        withheld_review_date=organisation_today(now=now) + timedelta(days=90),
    )
    return 3
