import json
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.core.actors import SystemActor
from apps.personal_data.erasure.checkpoint import FINISHED
from apps.personal_data.erasure.plan import erasure_plan
from apps.personal_data.erasure.run import erasure_start
from apps.personal_data.models import ErasureRun


class Command(BaseCommand):
    help = "Erase one subject's personal data (in the worker). --dry-run shows what would happen."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The subject's sign-in email address.")
        parser.add_argument("--dry-run", action="store_true", help="Print the plan per table (JSON); change nothing.")
        parser.add_argument("--wait", action="store_true", help="Wait for the worker and print the certificate.")
        parser.add_argument("--reason", default="Erasure requested (manage.py erase_subject)")
        parser.add_argument("--request-reference", default="")
        parser.add_argument("--timeout", type=float, default=600, help="Seconds to wait with --wait.")

    def handle(self, *args, email: str, dry_run: bool, wait: bool, reason: str, timeout: float, **options):
        people = get_user_model()
        subject = people.objects.filter(email__iexact=people.objects.normalize_email(email)).first()
        if subject is None:
            raise CommandError(f"No account has the email address {email!r}.")
        if dry_run:
            self.stdout.write(json.dumps(erasure_plan(subject=subject), indent=2))
            return
        run = erasure_start(
            subject=subject,
            actor=SystemActor("manage.py erase_subject"),
            reason=reason,
            request_reference=options["request_reference"],
        )
        if not wait:
            self.stdout.write(f"Erasure {run.reference} queued ({run.status}).")
            return
        deadline = time.monotonic() + timeout
        while run.status not in FINISHED:
            if time.monotonic() > deadline:
                raise CommandError(f"Erasure {run.reference} not finished after {timeout:.0f}s (status {run.status}).")
            time.sleep(0.5)
            run = ErasureRun.objects.get(pk=run.pk)
        if run.status == ErasureRun.Status.FAILED:
            raise CommandError(f"Erasure {run.reference} failed after {run.attempts} attempts: {run.last_error}")
        self.stdout.write(json.dumps(run.certificate, indent=2))
