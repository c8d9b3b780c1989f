"""manage.py remind_subject_requests [--dry-run]: the reminders' second door (the first is beat)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.subject_requests.services.reminders import subject_requests_remind


class Command(BaseCommand):
    help = (
        "Email each assignee (or every privacy officer, for unassigned requests) a digest of the requests "
        "due within 3 days and those overdue; each request at most once a day."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List who would be reminded of what; send nothing.")

    def handle(self, *args, dry_run: bool, **options) -> None:
        digests = subject_requests_remind(dry_run=dry_run)
        for digest in digests:
            overdue = ", ".join(r.short_reference for r in digest.overdue) or "-"
            soon = ", ".join(r.short_reference for r in digest.due_soon) or "-"
            self.stdout.write(f"{digest.recipient.email}: overdue {overdue}; due soon {soon}")
        verb = "would be sent" if dry_run else "sent"
        self.stdout.write(f"{len(digests)} reminder(s) {verb}.")
