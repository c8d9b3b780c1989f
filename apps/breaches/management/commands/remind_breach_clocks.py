"""manage.py remind_breach_clocks [--dry-run]: the beat job by hand (every 15 minutes in beat)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from apps.breaches.services.clocks import breach_clocks_remind


class Command(BaseCommand):
    help = "Remind officers of breach clocks whose reminder hour has come, or that ran out; prints JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List the reminders owed; send nothing.")

    def handle(self, *args, **options) -> None:
        self.stdout.write(json.dumps(breach_clocks_remind(dry_run=options["dry_run"])))
