"""The four jurisdictions the policies name, with their deadlines as data (verify with counsel).

EU and UK GDPR (Art. 12(3)): one month from receipt, counted as the ICO describes, extendable
by two further months with reasons given within the first; the clock stops while identity or
clarification is awaited. California (CCPA regulations §7021): acknowledge within 10 business
days, respond within 45 calendar days, one 45-day extension with notice. Vietnam (Law
91/2025/QH15, Decree 356/2025/ND-CP): acknowledge within 2 working days; withdrawal,
restriction and objection within 15 days, extendable once by 15.

What a fresh install holds, seeded by a migration and put back by the tests after a flush
(tests/conftest.py): one function for both, so they cannot drift apart.
"""

from __future__ import annotations

from django.apps import apps as django_apps
from django.apps.registry import Apps

COUNSEL = "Seeded from the law's text by the product team: verify with counsel before relying on it."

JURISDICTIONS = [
    {
        "code": "eu",
        "name": "EU GDPR",
        "authority_name": "Your country's data protection authority (listed by the European Data Protection Board)",
        "authority_url": "https://www.edpb.europa.eu/about-edpb/about-edpb/members_en",
        "calendar": "IE",
        "timezone": "Europe/Dublin",
        "acknowledge_amount": 5,
        "acknowledge_unit": "working_days",
        "respond_amount": 1,
        "respond_unit": "months",
        "extension_amount": 2,
        "extension_unit": "months",
        "roll_forward": True,
        "pauses_clock": True,
        "type_terms": {},
    },
    {
        "code": "uk",
        "name": "UK GDPR",
        "authority_name": "Information Commissioner's Office (ICO)",
        "authority_url": "https://ico.org.uk/make-a-complaint/",
        "calendar": "GB-ENG",
        "timezone": "Europe/London",
        "acknowledge_amount": 5,
        "acknowledge_unit": "working_days",
        "respond_amount": 1,
        "respond_unit": "months",
        "extension_amount": 2,
        "extension_unit": "months",
        "roll_forward": True,
        "pauses_clock": True,
        "type_terms": {},
    },
    {
        "code": "us-ca",
        "name": "California (CCPA)",
        "authority_name": "California Privacy Protection Agency",
        "authority_url": "https://cppa.ca.gov/",
        "calendar": "US-CA",
        "timezone": "America/Los_Angeles",
        "acknowledge_amount": 10,
        "acknowledge_unit": "working_days",
        "respond_amount": 45,
        "respond_unit": "days",
        "extension_amount": 45,
        "extension_unit": "days",
        "roll_forward": False,
        "pauses_clock": False,
        "type_terms": {},
    },
    {
        "code": "vn",
        "name": "Vietnam (Law 91/2025, Decree 356/2025)",
        "authority_name": "Ministry of Public Security (Department A05)",
        "authority_url": "",
        "calendar": "VN",
        "timezone": "Asia/Ho_Chi_Minh",
        "acknowledge_amount": 2,
        "acknowledge_unit": "working_days",
        "respond_amount": 20,
        "respond_unit": "days",
        "extension_amount": 15,
        "extension_unit": "days",
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
    for values in JURISDICTIONS:
        Jurisdiction.objects.update_or_create(code=values["code"], defaults={**values, "counsel_note": COUNSEL})
