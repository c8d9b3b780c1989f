"""Demo systems for `make run`, so an officer sees a request reach them: a mail provider told by
email (its instructions land in the local mailbox, /dev/mail/, with the one-time link), a support
desk an officer ticks off by hand, and a data warehouse told by signed webhook at a placeholder
address that can never answer (``.invalid`` never resolves, RFC 2606): its events are refused
before any connection, retried, then given up, and the officer closes its task with a reason."""

from __future__ import annotations

from apps.accounts.demo import DemoSeed
from apps.disclosures.models import Recipient
from apps.systems.models import SystemSecret
from apps.systems.services import system_secret_rotate

Connector = Recipient.Connector

SYSTEMS = [
    {
        "name": "Example Mail Provider",
        "role": Recipient.Role.PROCESSOR,
        "category": Recipient.Category.PROCESSOR,
        "country": "GB",
        "connector": Connector.EMAIL,
        "privacy_contact_email": "privacy@mailprovider.example",
        "categories_held": ["identity", "contact", "communications"],
        "identifiers": ["email"],
        "deadline_days": 10,
    },
    {
        "name": "Example Support Desk",
        "role": Recipient.Role.PROCESSOR,
        "category": Recipient.Category.PROCESSOR,
        "country": "GB",
        "connector": Connector.MANUAL,
        "categories_held": ["identity", "contact", "communications"],
        "identifiers": ["email", "account_id"],
        "deadline_days": 14,
    },
    {
        "name": "Example Data Warehouse",
        "role": Recipient.Role.INTERNAL,
        "category": Recipient.Category.GROUP_COMPANY,
        "country": "GB",
        "connector": Connector.WEBHOOK,
        "webhook_url": "https://warehouse.invalid/privacy-events",
        "categories_held": ["usage", "technical"],
        "identifiers": ["subject_reference"],
        "deadline_days": 7,
    },
]


def seed(demo: DemoSeed) -> int:
    """Idempotent: a system already there (by name) is left as the officer may have changed it."""
    made = 0
    for spec in SYSTEMS:
        fields = {k: v for k, v in spec.items() if k != "name"}
        system, created = Recipient.objects.get_or_create(name=spec["name"], defaults=fields)
        made += created
        # Saved without full_clean on purpose: the placeholder address does not resolve, which
        # the admin's form refuses; the relay refuses it again at send time and records why.
        if system.connector == Connector.WEBHOOK and not SystemSecret.objects.filter(system=system).exists():
            system_secret_rotate(system=system, actor=demo.officer)
    return made
