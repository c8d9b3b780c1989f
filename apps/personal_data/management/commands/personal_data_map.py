import json

from django.core.management.base import BaseCommand

from apps.core.spreadsheets import SpreadsheetDictWriter
from apps.personal_data.selectors import personal_data_exemption_rows, personal_data_map_rows

COLUMNS = (
    "model",
    "field",
    "category",
    "fides_category",
    "erasure",
    "legal_basis",
    "retention",
    "subject_path",
    "purpose",
)


class Command(BaseCommand):
    help = "Print the personal-data registry: every model, field, category and erasure action (record of processing)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["table", "json", "csv"], default="table")

    def handle(self, *args, format: str, **options):
        rows = personal_data_map_rows()
        if format == "json":
            self.stdout.write(json.dumps({"fields": rows, "exempt": personal_data_exemption_rows()}, indent=2))
        elif format == "csv":
            writer = SpreadsheetDictWriter(
                self.stdout, fieldnames=list(rows[0].keys()) if rows else COLUMNS, lineterminator="\n"
            )
            writer.writeheader()
            writer.writerows(rows)
        else:
            widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in COLUMNS if c != "purpose"}
            header = "  ".join(c.ljust(widths[c]) for c in widths)
            self.stdout.write(header)
            self.stdout.write("-" * len(header))
            for r in rows:
                self.stdout.write("  ".join(str(r[c]).ljust(widths[c]) for c in widths))
            self.stdout.write(f"\n{len(rows)} personal fields in {len({r['model'] for r in rows})} models.")
            for e in personal_data_exemption_rows():
                self.stdout.write(f"exempt: {e['model']}: {e['reason']}")
