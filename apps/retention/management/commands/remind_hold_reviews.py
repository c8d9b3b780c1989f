"""manage.py remind_hold_reviews [--dry-run]: the review reminders' second door (the first is beat)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.retention.services.holds import legal_hold_remind_reviews


class Command(BaseCommand):
    help = "Email the officer who placed each active legal hold whose review date has passed (once per date)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List the holds due; send nothing.")

    def handle(self, *args, dry_run: bool, **options) -> None:
        holds = legal_hold_remind_reviews(dry_run=dry_run)
        for hold in holds:
            self.stdout.write(f"{hold.reference}  review on {hold.review_on:%Y-%m-%d}  placed by {hold.placed_by_id}")
        verb = "would be reminded" if dry_run else "reminded"
        self.stdout.write(f"{len(holds)} hold(s) {verb}.")
