"""Send a signed test event to a webhook system and report the round trip as JSON."""

import json

from django.core.management.base import BaseCommand, CommandError

from apps.disclosures.models import Recipient
from apps.systems.services import system_test_send


class Command(BaseCommand):
    help = "Send a signed test event to the named system's webhook and report the round trip."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The system's name, as in the admin.")

    def handle(self, *args, name: str, **options):
        system = Recipient.objects.filter(name=name).first()
        if system is None:
            raise CommandError(f"No system is named {name!r}.")
        report = system_test_send(system=system)
        self.stdout.write(json.dumps(report, indent=2))
        if not report["ok"]:
            raise CommandError(report.get("error") or f"The system answered HTTP {report.get('status')}.")
