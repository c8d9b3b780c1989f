"""manage.py breach_open: record a new breach in the register and start its clocks; prints JSON."""

from __future__ import annotations

import json
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.accounts.models import User
from apps.breaches.selectors.register import breach_json
from apps.breaches.services.register import breach_open
from apps.core.actors import SystemActor

ACTOR = SystemActor("manage.py breach_open")


def parse_moment(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{name} {value!r} is not an ISO 8601 date and time, e.g. 2026-03-01T09:30+00:00.") from None
    if moment.tzinfo is None:
        raise CommandError(f"{name} {value!r} needs an offset or Z, e.g. 2026-03-01T09:30Z.")
    return moment


class Command(BaseCommand):
    help = "Record a new personal-data breach (its clocks start at --aware, now by default) and print it as JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--title", required=True)
        parser.add_argument("--description", required=True, help="What happened.")
        parser.add_argument("--officer", required=True, help="Email of the staff member responsible.")
        parser.add_argument("--contact", required=True, help="The contact point people and the authority are given.")
        parser.add_argument("--aware", help="When the company became aware (ISO 8601 with offset); default now.")
        parser.add_argument("--occurred", help="When it happened, if known (ISO 8601 with offset).")
        parser.add_argument("--category", action="append", default=[], help="A registry data category (repeatable).")
        parser.add_argument(
            "--jurisdiction", action="append", default=None, help="A jurisdiction concerned, e.g. uk (repeatable)."
        )

    def handle(self, *args, **options) -> None:
        officer = User.objects.filter(email__iexact=options["officer"].strip()).first()
        if officer is None or not officer.is_staff:
            raise CommandError(f"No staff account has the address {options['officer']!r}.")
        aware_at = parse_moment(options["aware"], "--aware") or timezone.now()
        try:
            breach = breach_open(
                title=options["title"],
                description=options["description"],
                aware_at=aware_at,
                occurred_at=parse_moment(options["occurred"], "--occurred"),
                categories=options["category"],
                jurisdictions=options["jurisdiction"],
                officer=officer,
                contact_point=options["contact"],
                actor=ACTOR,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(json.dumps(breach_json(breach)))
