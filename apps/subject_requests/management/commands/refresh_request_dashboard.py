"""manage.py refresh_request_dashboard [--dry-run]: the dashboard's refresh, its second door (the first is beat)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.subject_requests.services.dashboard import dashboard_refresh


class Command(BaseCommand):
    help = "Recompute the subject-request dashboard's all-time figures for the admin page, in each language."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Say which languages would be computed.")

    def handle(self, *args, dry_run: bool, **options) -> None:
        languages = dashboard_refresh(dry_run=dry_run)
        verb = "would be recomputed" if dry_run else "recomputed"
        self.stdout.write(f"Request dashboard {verb} in: {', '.join(languages)}.")
