"""manage.py reconcile [--dry-run]: the job reconciler's second door (the first is beat, every minute)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from apps.core.jobs import jobs_reconcile


class Command(BaseCommand):
    help = "Send again the background jobs whose message or worker was lost, and those never sent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; send nothing.")

    def handle(self, *args, dry_run: bool, **options) -> None:
        found = jobs_reconcile(dry_run=dry_run)
        self.stdout.write(json.dumps({"dry_run": dry_run, **found.as_dict()}, indent=2))
