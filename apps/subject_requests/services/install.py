"""The four jurisdictions the policies name, with their deadlines as dated rule versions (verify
with counsel).

EU and UK GDPR (Art. 12(3)): one month from receipt, counted as the ICO describes, extendable
to three months from receipt (two further months) with reasons given within the first; the
clock stops while identity or clarification is awaited. A period ending on a Saturday, Sunday
or holiday runs to the next working day: Regulation 1182/71 Art. 3(4) in the EU, the ICO in
the UK. California (CCPA regulations §7021): acknowledge within 10 business days, respond
within 45 calendar days, at most 90 calendar days from receipt with an extension. Vietnam:
Decree 13/2023/ND-CP (1 July 2023) gave 72 hours; Decree 356/2025/ND-CP (1 January 2026,
under Law 91/2025/QH15) gives 2 working days to acknowledge, 15 days for withdrawal,
restriction and objection, extendable once by 15 more days.

What a fresh install holds, seeded by a migration and put back by the tests after a flush
(tests/conftest.py): one function for both, so they cannot drift apart.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.apps import apps as django_apps
from django.apps.registry import Apps
from django.utils.translation import gettext_noop

COUNSEL = "Seeded from the law's text by the product team: verify with counsel before relying on it."

# How each law counts a working (business) day: shown in the jurisdiction's note.
WORKING_DAYS = {
    "eu": (
        "Working days as Regulation (EEC, Euratom) No 1182/71 defines them (Art. 2(2)): every day "
        "but public holidays, Sundays and Saturdays; a period ending on one of them ends with the "
        "next working day (Art. 3(4)). Public holidays: Ireland's (the lead authority's)."
    ),
    "uk": (
        "Working days: Monday to Friday except bank holidays in England and Wales; the ICO moves a "
        "deadline falling on a weekend or bank holiday to the next working day."
    ),
    "us-ca": (
        "Business days: the CCPA regulations count in business days (11 CCR §7021) but do not "
        "define them (§7001 has no definition). The portal counts Monday to Friday except the "
        "holidays on which California's state offices close (CalHR's list of state holidays); "
        "days on which offices stay open are business days: commemorative days such as Susan B. "
        "Anthony Day (15 February), and Gov. Code §6700 days that are not office closures, such "
        "as Lincoln Day (12 February), Juneteenth and Diwali. So 9 February 2024 is acknowledged "
        "by 26 February 2024. Change this where counsel reads it otherwise."
    ),
    "vn": (
        "Working days: Monday to Friday except Vietnam's public holidays (Labour Code Art. 112), "
        "as Decree 356/2025/ND-CP counts its 2 working days."
    ),
}

JURISDICTIONS = [
    {
        "code": "eu",
        "name": gettext_noop("EU GDPR"),
        "authority_name": gettext_noop(
            "Your country's data protection authority (listed by the European Data Protection Board)"
        ),
        "authority_url": "https://www.edpb.europa.eu/about-edpb/about-edpb/members_en",
        "calendar": "IE",
        "timezone": "Europe/Dublin",
    },
    {
        "code": "uk",
        "name": gettext_noop("UK GDPR"),
        "authority_name": gettext_noop("Information Commissioner's Office (ICO)"),
        "authority_url": "https://ico.org.uk/make-a-complaint/",
        "calendar": "GB-ENG",
        "timezone": "Europe/London",
    },
    {
        "code": "us-ca",
        "name": gettext_noop("California (CCPA)"),
        "authority_name": gettext_noop("California Privacy Protection Agency"),
        "authority_url": "https://cppa.ca.gov/",
        "calendar": "US-CA",
        "timezone": "America/Los_Angeles",
    },
    {
        "code": "vn",
        "name": gettext_noop("Vietnam (Law 91/2025, Decree 356/2025)"),
        "authority_name": gettext_noop("Ministry of Public Security (Department A05)"),
        "authority_url": "",
        "calendar": "VN",
        "timezone": "Asia/Ho_Chi_Minh",
    },
]

GDPR_MONTHS = {
    "acknowledge_amount": 5,
    "acknowledge_unit": "working_days",
    "respond_amount": 1,
    "respond_unit": "months",
    "extension_amount": 3,
    "extension_unit": "months",
    "extension_from": "receipt",
    "roll_forward": True,
    "pauses_clock": True,
    "type_terms": {},
}

RULES: list[dict[str, Any]] = [
    {"jurisdiction": "eu", "effective_from": date(2018, 5, 25), "source": "GDPR Art. 12(3)", **GDPR_MONTHS},
    {
        "jurisdiction": "uk",
        "effective_from": date(2018, 5, 25),
        "source": "UK GDPR Art. 12(3), as the ICO counts it",
        **GDPR_MONTHS,
    },
    {
        "jurisdiction": "us-ca",
        "effective_from": date(2020, 1, 1),
        "source": "CCPA regulations, 11 CCR §7021",
        "acknowledge_amount": 10,
        "acknowledge_unit": "working_days",
        "respond_amount": 45,
        "respond_unit": "days",
        "extension_amount": 90,
        "extension_unit": "days",
        "extension_from": "receipt",
        "roll_forward": False,
        "pauses_clock": False,
        "type_terms": {},
    },
    {
        "jurisdiction": "vn",
        "effective_from": date(2023, 7, 1),
        "source": "Decree 13/2023/ND-CP (72 hours)",
        "acknowledge_amount": 72,
        "acknowledge_unit": "hours",
        "respond_amount": 72,
        "respond_unit": "hours",
        "extension_amount": 0,
        "extension_unit": "days",
        "extension_from": "due_date",
        "roll_forward": False,
        "pauses_clock": True,
        "type_terms": {},
    },
    {
        "jurisdiction": "vn",
        "effective_from": date(2026, 1, 1),
        "source": "Law 91/2025/QH15, Decree 356/2025/ND-CP",
        "acknowledge_amount": 2,
        "acknowledge_unit": "working_days",
        "respond_amount": 20,
        "respond_unit": "days",
        "extension_amount": 15,
        "extension_unit": "days",
        "extension_from": "due_date",
        "roll_forward": False,
        "pauses_clock": True,
        "type_terms": {
            kind: {"respond": [15, "days"], "extension": [15, "days"]}
            for kind in ("withdrawal", "restriction", "objection", "stop_processing")
        },
    },
]


def install_data_seed(*, apps: Apps = django_apps) -> None:
    """Put in what a fresh install holds (idempotent): migrations call it with their
    registry, the tests after a flush with the live one."""
    Jurisdiction = apps.get_model("subject_requests", "Jurisdiction")
    DeadlineRule = apps.get_model("subject_requests", "DeadlineRule")
    by_code: dict[str, Any] = {}
    for values in JURISDICTIONS:
        note = f"{COUNSEL}\n\n{WORKING_DAYS[values['code']]}"
        by_code[values["code"]], _created = Jurisdiction.objects.update_or_create(
            code=values["code"], defaults={**values, "counsel_note": note}
        )
    for rule in RULES:
        values = {key: value for key, value in rule.items() if key not in ("jurisdiction", "effective_from")}
        DeadlineRule.objects.update_or_create(
            jurisdiction=by_code[rule["jurisdiction"]], effective_from=rule["effective_from"], defaults=values
        )
