"""Remind silent systems before their deadline and tell officers of those past it (beat runs it hourly)."""

import json

from django.core.management.base import BaseCommand

from apps.systems.services import systems_remind


class Command(BaseCommand):
    help = "Remind systems that have not confirmed, and tell officers of those past their deadline."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say who would be reminded; send nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        self.stdout.write(json.dumps(systems_remind(dry_run=dry_run).as_dict()))
