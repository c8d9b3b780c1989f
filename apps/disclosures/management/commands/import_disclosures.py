from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import User
from apps.disclosures.domain import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from apps.disclosures.services.register import disclosure_import


class Command(BaseCommand):
    help = (
        "Append the entries of a CSV register kept elsewhere to the disclosure register, in file order. "
        f"Columns: {', '.join(REQUIRED_COLUMNS)}; optional: {', '.join(OPTIONAL_COLUMNS)}. "
        "Subjects and categories are separated by semicolons. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="A UTF-8 CSV file with a header row.")
        parser.add_argument("--actor", required=True, help="Email of the privacy officer recording the entries.")

    def handle(self, *args, file: Path, actor: str, **options):
        officer = User.objects.filter(email__iexact=actor, is_active=True, is_staff=True).first()
        if officer is None or not officer.has_perm("disclosures.add_disclosure"):
            raise CommandError(f"{actor!r} is not an active staff account allowed to record disclosures.")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        try:
            entries = disclosure_import(data=data, actor=officer)
        except ValidationError as error:
            raise CommandError("Nothing was imported:\n  " + "\n  ".join(error.messages)) from error
        if entries:
            self.stdout.write(f"Imported {len(entries)} entries as #{entries[0].sequence} to #{entries[-1].sequence}.")
