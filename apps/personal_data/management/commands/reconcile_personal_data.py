import json

from django.core.management.base import BaseCommand

from apps.personal_data.erasure.run import PENDING_STUCK_AFTER, erasure_requeue_stuck
from apps.personal_data.export.run import exports_requeue_stuck


class Command(BaseCommand):
    help = "Re-enqueue erasures and exports whose worker died (the beat job 'personal-data-reconcile', by hand)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be re-enqueued.")
        parser.add_argument("--minutes", type=int, default=15, help="Idle for at least this long (default 15).")

    def handle(self, *args, dry_run: bool, minutes: int, **options):
        from datetime import timedelta

        idle = timedelta(minutes=max(minutes, 1))
        result = {
            "dry_run": dry_run,
            # A PENDING erasure may only be queued behind other work: it waits much longer.
            "erasures": erasure_requeue_stuck(
                older_than=idle, pending_older_than=max(idle, PENDING_STUCK_AFTER), dry_run=dry_run
            ),
            "exports": exports_requeue_stuck(older_than=idle, dry_run=dry_run),
        }
        self.stdout.write(json.dumps(result))
