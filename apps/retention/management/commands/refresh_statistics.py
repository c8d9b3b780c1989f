"""manage.py refresh_statistics [--dry-run]: the statistics report's refresh, its second door (the first is beat)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.retention.services.statistics import statistics_refresh


class Command(BaseCommand):
    help = "Recompute the aggregated statistics report's figures for the admin page, in each language."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Say which languages would be computed.")

    def handle(self, *args, dry_run: bool, **options) -> None:
        languages = statistics_refresh(dry_run=dry_run)
        verb = "would be recomputed" if dry_run else "recomputed"
        self.stdout.write(f"Statistics report {verb} in: {', '.join(languages)}.")
