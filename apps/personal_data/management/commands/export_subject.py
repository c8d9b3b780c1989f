import os
import shutil
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.core.actors import SystemActor
from apps.personal_data.export.run import export_build_here, export_request
from apps.personal_data.models import DataExport

FINISHED = (DataExport.Status.READY, DataExport.Status.FAILED, DataExport.Status.EXPIRED)


class Command(BaseCommand):
    help = "Export one subject's data as a ZIP and copy it to --out (built here, or by the worker with --wait)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The subject's sign-in email address.")
        parser.add_argument("--out", required=True, help="Where to write the ZIP file.")
        parser.add_argument("--wait", action="store_true", help="Let the Celery worker build it and wait.")
        parser.add_argument("--timeout", type=float, default=600, help="Seconds to wait with --wait.")

    def handle(self, *args, email: str, out: str, wait: bool, timeout: float, **options):
        people = get_user_model()
        subject = people.objects.filter(email__iexact=people.objects.normalize_email(email)).first()
        if subject is None:
            raise CommandError(f"No account has the email address {email!r}.")
        target = Path(out).expanduser()
        folder = target.parent if str(target.parent) else Path(".")
        if target.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
            raise CommandError(f"Cannot write the export to {out!r}: {folder} is not a writable folder.")
        if target.exists() and not os.access(target, os.W_OK):
            raise CommandError(f"Cannot write the export to {out!r}: the file is not writable.")

        actor = SystemActor("manage.py export_subject")
        export = export_request(subject=subject, actor=actor, enqueue=wait)
        if wait:
            deadline = time.monotonic() + timeout
            while export.status not in FINISHED:
                if time.monotonic() > deadline:
                    raise CommandError(f"Export {export.reference} not ready after {timeout:.0f}s ({export.status}).")
                time.sleep(0.5)
                export = DataExport.objects.get(pk=export.pk)
        else:
            export = export_build_here(export)
        if export.status != DataExport.Status.READY:
            raise CommandError(f"Export {export.reference} {export.status}: {export.last_error or 'no file'}")
        try:
            with export.file.open("rb") as source, target.open("wb") as destination:
                shutil.copyfileobj(source, destination, 1024 * 1024)
        except OSError as exc:
            raise CommandError(f"Cannot write the export to {out!r}: {exc.strerror or exc}") from exc
        self.stdout.write(
            f"Export {export.reference}: {export.size_bytes} bytes, manifest.json sha256 {export.manifest_sha256}, "
            f"written to {target}"
        )
