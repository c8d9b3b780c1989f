import json

from django.conf import settings
from django.core.management.base import BaseCommand
from django.template.loader import render_to_string
from django.utils import translation

from apps.core.spreadsheets import SpreadsheetDictWriter
from apps.personal_data.selectors.processing import records_of_processing

LIST_COLUMNS = (
    "legal_bases",
    "data_subjects",
    "data_categories",
    "fides_categories",
    "records",
    "recipient_categories",
    "recipients",
    "transfers",
    "time_limits",
)


class Command(BaseCommand):
    help = "Print the records of processing activities (GDPR Art. 30(1)), generated from the registry."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["html", "csv", "json"], default="html")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, help="e.g. en, vi")

    def handle(self, *args, format: str, language: str, **options):
        with translation.override(language):
            record = records_of_processing()
            if format == "json":
                self.stdout.write(json.dumps(record.as_dict(), indent=2, ensure_ascii=False))
            elif format == "csv":
                self._csv(record)
            else:
                html = render_to_string(
                    "personal_data/records_of_processing.html", {"record": record, "language": language}
                )
                self.stdout.write(html)

    def _csv(self, record) -> None:
        # One row per purpose; the controller's and the security measures' columns repeat, so
        # every row stands on its own in a spreadsheet.
        who = record.controller
        writer = SpreadsheetDictWriter(
            self.stdout,
            fieldnames=["purpose", *LIST_COLUMNS, "controller", "dpo", "security_measures"],
            lineterminator="\n",
        )
        writer.writeheader()
        for activity in record.activities:
            row = {"purpose": activity.purpose}
            row.update({name: "; ".join(getattr(activity, name)) for name in LIST_COLUMNS})
            row["controller"] = f"{who.name}, {who.contact_email}" if who else ""
            row["dpo"] = ", ".join(v for v in (who.dpo_name, who.dpo_email) if v) if who else ""
            row["security_measures"] = record.security_measures
            writer.writerow(row)
