from django.core.management.base import BaseCommand, CommandError

from apps.personal_data.selectors import find_personal_data


class Command(BaseCommand):
    help = "Find where a value (email, phone, name…) is held: every registered table, history tables included."

    def add_arguments(self, parser):
        parser.add_argument("value", help="The value to look for (case-insensitive, substring).")

    def handle(self, *args, value: str, **options):
        if len(value.strip()) < 3:
            raise CommandError("Give at least 3 characters to search for.")
        findings = find_personal_data(value)
        if not findings:
            self.stdout.write(f"Not found in any registered table: {value!r}")
            return
        for f in findings:
            kind = "history" if f.is_history else "current"
            self.stdout.write(f"{f.table}.{f.field}  row {f.row}  ({f.model}, {kind})")
        tables = len({f.table for f in findings})
        self.stdout.write(f"\n{len(findings)} matches in {tables} tables.")
