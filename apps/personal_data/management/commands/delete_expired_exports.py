from django.core.management.base import BaseCommand

from apps.personal_data.export.run import exports_delete_expired


class Command(BaseCommand):
    help = "Delete expired data exports (the daily beat job 'personal-data-delete-expired-exports', by hand)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, dry_run: bool, **options):
        count = exports_delete_expired(dry_run=dry_run)
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(f"{count} expired export(s) {verb}.")
