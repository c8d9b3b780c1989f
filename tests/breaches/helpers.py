"""Shared by the breach tests: a breach opened as an officer would."""

from __future__ import annotations

from datetime import datetime

from apps.breaches.models import Breach
from apps.breaches.services.register import breach_open


def open_breach(officer, *, aware_at: datetime, jurisdictions: list[str] | None = None, **extra) -> Breach:
    return breach_open(
        title=extra.pop("title", "Backup copied to a public bucket"),
        description=extra.pop("description", "A nightly backup was readable from the internet for two days."),
        aware_at=aware_at,
        officer=officer,
        contact_point="Data protection officer, dpo@example.test, +44 20 7946 0000",
        jurisdictions=jurisdictions,
        actor=officer,
        **extra,
    )
