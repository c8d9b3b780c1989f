"""manage.py reconcile_subject_requests [--dry-run]: the reconciler's second door (the first is beat)."""

from __future__ import annotations

import json
from datetime import timedelta

from django.core.management.base import BaseCommand

from apps.subject_requests.selectors.execution import STUCK_AFTER
from apps.subject_requests.services.execution import subject_requests_requeue_stuck


class Command(BaseCommand):
    help = "Queue again the subject requests whose execution was lost (a broker restart, a killed worker)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be queued again.")
        parser.add_argument(
            "--minutes",
            type=int,
            default=int(STUCK_AFTER.total_seconds() // 60),
            help="Idle for at least this long (default %(default)s).",
        )

    def handle(self, *args, dry_run: bool, minutes: int, **options) -> None:
        requests = subject_requests_requeue_stuck(older_than=timedelta(minutes=max(minutes, 0)), dry_run=dry_run)
        self.stdout.write(json.dumps({"dry_run": dry_run, "requests": [str(r.reference) for r in requests]}))
