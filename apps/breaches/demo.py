"""A demo breach for `make run`: open, its authorities' clocks running, so the officer sees the
hours left on the register and the breach's page.

Idempotent: nothing is added when a breach exists already.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.accounts.demo import DemoSeed
from apps.breaches.models import Breach
from apps.breaches.services.register import breach_open


def seed(demo: DemoSeed) -> None:
    if Breach.objects.exists():
        return
    breach_open(
        title="Support export sent to the wrong partner",
        description="A weekly export of support tickets went to a partner's address that was out of date.",
        discovered_how="The partner told us the next morning.",
        aware_at=timezone.now() - timedelta(hours=20),
        categories=["communications", "contact"],
        officer=demo.officer,
        contact_point="Data protection officer, privacy@demo.example",
        actor=demo.officer,
    )
