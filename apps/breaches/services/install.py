"""The breach clocks a fresh install holds, per jurisdiction, as dated rules (verify with counsel).

Seeded by a migration and put back by the tests after a flush (tests/conftest.py): one function
for both.

* EU and UK GDPR Art. 33(1): the supervisory authority within 72 hours of becoming aware, unless
  the breach is unlikely to result in a risk; later than that with the reasons for the delay;
  the information may be given in phases (Art. 33(4)). Art. 34(1): the people without undue
  delay when the risk is high (no fixed hours).
* California Civ. Code §1798.82: before 2026 "in the most expedient time possible and without
  unreasonable delay" (no fixed hours). SB 446 (2025), in force 1 January 2026: the residents
  within 30 calendar days of discovery (720 hours), and, when more than 500 residents are told, a
  sample of the notice to the Attorney General within 15 calendar days of telling them (360
  hours). §1798.82 has no risk-of-harm threshold: it applies to unencrypted personal information
  as it defines it; an assessment of "no risk" (encrypted, key safe) stands the clock down.
* Vietnam, Law 91/2025/QH15 with Decree 356/2025/ND-CP (1 January 2026): 72 hours to the
  specialised personal-data protection agency is what Decree 13/2023 gave and what the portal
  uses; we could not confirm the hours in the 2025 texts, so the note says counsel must confirm.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.apps import apps as django_apps
from django.apps.registry import Apps

COUNSEL = "Seeded from the law's text by the product team: verify with counsel before relying on it."
AUTHORITY_REMINDERS = [48, 24, 6, 1]

RULES: list[dict[str, Any]] = [
    *(
        {
            "jurisdiction": code,
            "recipient": "authority",
            "effective_from": date(2018, 5, 25),
            "source": source,
            "hours": 72,
            "minimum_risk": "risk",
            "phased": True,
            "reminder_hours": AUTHORITY_REMINDERS,
            "note": f"{source}: 72 hours from awareness unless unlikely to result in a risk; "
            "reasons for any delay; information may be given in phases (Art. 33(4)). " + COUNSEL,
        }
        for code, source in (("eu", "GDPR Art. 33"), ("uk", "UK GDPR Art. 33"))
    ),
    *(
        {
            "jurisdiction": code,
            "recipient": "people",
            "effective_from": date(2018, 5, 25),
            "source": source,
            "hours": None,
            "minimum_risk": "high",
            "reminder_hours": [],
            "note": f"{source}: without undue delay when the risk is high; not needed when the data is "
            "unintelligible, the risk is gone, or a public notice replaces it (Art. 34(3)). " + COUNSEL,
        }
        for code, source in (("eu", "GDPR Art. 34"), ("uk", "UK GDPR Art. 34"))
    ),
    {
        "jurisdiction": "us-ca",
        "recipient": "people",
        "effective_from": date(2003, 7, 1),
        "source": "Cal. Civ. Code §1798.82",
        "hours": None,
        "minimum_risk": "risk",
        "reminder_hours": [],
        "note": "In the most expedient time possible and without unreasonable delay. " + COUNSEL,
    },
    {
        "jurisdiction": "us-ca",
        "recipient": "people",
        "effective_from": date(2026, 1, 1),
        "source": "Cal. Civ. Code §1798.82(a) as amended by SB 446 (2025)",
        "hours": 720,
        "minimum_risk": "risk",
        "reminder_hours": [168, 72, 24],
        "note": "Within 30 calendar days of discovery; delay allowed for law enforcement or to find the "
        "scope and restore the system, with the reasons recorded. " + COUNSEL,
    },
    {
        "jurisdiction": "us-ca",
        "recipient": "attorney_general",
        "effective_from": date(2026, 1, 1),
        "source": "Cal. Civ. Code §1798.82(f) as amended by SB 446 (2025)",
        "hours": 360,
        "starts": "people_notified",
        "minimum_risk": "risk",
        "minimum_people": 501,
        "reminder_hours": [72, 24],
        "note": "More than 500 California residents notified: a sample of the notice to the Attorney "
        "General within 15 calendar days of notifying them. " + COUNSEL,
    },
    {
        "jurisdiction": "vn",
        "recipient": "authority",
        "effective_from": date(2026, 1, 1),
        "source": "Law 91/2025/QH15, Decree 356/2025/ND-CP",
        "hours": 72,
        "minimum_risk": "none",
        "phased": True,
        "reminder_hours": AUTHORITY_REMINDERS,
        "note": "72 hours to the specialised personal-data protection agency (A05, Ministry of Public "
        "Security), as under Decree 13/2023; counsel to confirm the hours and whether every breach "
        "must be reported. " + COUNSEL,
    },
    {
        "jurisdiction": "vn",
        "recipient": "people",
        "effective_from": date(2026, 1, 1),
        "source": "Law 91/2025/QH15, Decree 356/2025/ND-CP",
        "hours": None,
        "minimum_risk": "high",
        "reminder_hours": [],
        "note": "The people when the breach may harm them; counsel to confirm. " + COUNSEL,
    },
]


def install_data_seed(apps: Apps | None = None) -> None:
    registry = apps or django_apps
    Jurisdiction = registry.get_model("subject_requests", "Jurisdiction")
    ClockRule = registry.get_model("breaches", "ClockRule")
    for values in RULES:
        jurisdiction = Jurisdiction.objects.filter(code=values["jurisdiction"]).first()
        if jurisdiction is None:
            continue  # an install without that jurisdiction has no clock for it
        ClockRule.objects.update_or_create(
            jurisdiction=jurisdiction,
            recipient=values["recipient"],
            effective_from=values["effective_from"],
            defaults={k: v for k, v in values.items() if k not in ("jurisdiction", "recipient", "effective_from")},
        )
