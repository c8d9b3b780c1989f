"""Demo data for retention: something for the purge preview and the holds list to show.

Idempotent, like the rest of seed_demo: a dormant customer whose 30-day warning is due,
sign-ins older than the 12 months login history is kept, and a legal hold whose review
date has passed (so the reminder job has something to send).
"""

from __future__ import annotations

import random
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from apps.accounts.demo import DemoSeed, ensure_person, login_events
from apps.accounts.models import LoginEvent, User
from apps.core.clock import organisation_today
from apps.retention.models import LegalHold
from apps.retention.services.holds import legal_hold_place

DORMANT_EMAIL = "dormant@demo.example"


def seed(demo: DemoSeed) -> None:
    officer, customers, password_hash = demo.officer, demo.customers, demo.password_hash

    now = timezone.now()
    # Last active 12 months minus 20 days ago: inside the 30-day warning window.
    last_active = now - relativedelta(months=12) + timedelta(days=20)
    dormant, created = ensure_person(DORMANT_EMAIL, "Dan Dormant", password_hash, country="GB")
    if created:
        User.objects.filter(pk=dormant.pk).update(date_joined=last_active, last_login=last_active)
    if customers and not LoginEvent.objects.filter(user=customers[0], occurred_at__lt=now - relativedelta(months=12)):
        old = login_events(customers[0], 3, random.Random(7), now - relativedelta(months=14))
        LoginEvent.objects.bulk_create(old)
    if len(customers) > 1 and not LegalHold.objects.filter(subject=customers[1]).exists():
        hold = legal_hold_place(
            subject=customers[1],
            actor=officer,
            reason=LegalHold.Reason.UNPAID_DEBT,
            review_on=organisation_today(now=now) - timedelta(days=3),
            categories=["financial", "account"],
            note="Invoice INV-2026-0412 unpaid; collection agency case 5521.",
        )
        LegalHold.objects.filter(pk=hold.pk).update(created_at=now - timedelta(days=90))
