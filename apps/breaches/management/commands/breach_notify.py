"""manage.py breach_notify REF --people: send the people's notice of a breach (each person once,
in their language, through the batched sender). With --wait the sending is done or followed
until it ends, and the result printed; a worker that already holds it is left to it."""

from __future__ import annotations

import json
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.breaches.selectors.register import breach_by_number_or_reference, breach_json
from apps.breaches.services.clocks import breach_clocks_sync
from apps.breaches.services.notices import breach_people_notify
from apps.consent.models import Mailing
from apps.core.actors import SystemActor
from apps.core.jobs import job_run_here

ACTOR = SystemActor("manage.py breach_notify")


class Command(BaseCommand):
    help = "Send a breach's notice to the people in its frozen set; prints progress as JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("ref", help="The breach's number (BR-2026-0001) or reference.")
        parser.add_argument("--people", action="store_true", help="Notify the people affected (required).")
        parser.add_argument("--delay-reason", default="", help="Why the notice is late, when it is.")
        parser.add_argument("--wait", action="store_true", help="Send (or follow the sending) until it ends.")
        parser.add_argument("--timeout", type=float, default=600, help="Seconds to wait with --wait (default 600).")

    def handle(self, *args, **options) -> None:
        if not options["people"]:
            raise CommandError("Say whom to notify: --people (the authority's notification is submitted by hand).")
        breach = breach_by_number_or_reference(options["ref"])
        if breach is None:
            raise CommandError(f"No breach is numbered or referenced {options['ref']!r}.")
        try:
            mailing = breach_people_notify(breach=breach, actor=ACTOR, delay_reason=options["delay_reason"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if options["wait"]:
            mailing = self._wait(mailing, timeout=options["timeout"])
            breach.refresh_from_db()
            breach_clocks_sync(breach=breach, actor=ACTOR)
        result = {
            "breach": breach_json(breach),
            "mailing": str(mailing.reference),
            "status": mailing.status,
            "audience": mailing.audience_size,
            "sent": mailing.sent_count,
        }
        self.stdout.write(json.dumps(result))
        if mailing.status == Mailing.Status.FAILED:
            raise CommandError(f"Sending failed: {mailing.last_error}")

    def _wait(self, mailing: Mailing, *, timeout: float) -> Mailing:
        job_run_here(kind=Mailing.JOB_KIND, target=mailing.pk)
        deadline = time.monotonic() + timeout
        while True:
            mailing.refresh_from_db()
            if mailing.status in (Mailing.Status.SENT, Mailing.Status.FAILED):
                return mailing
            if time.monotonic() > deadline:
                raise CommandError(f"Still {mailing.status} after {timeout:.0f}s ({mailing.sent_count} sent).")
            time.sleep(0.5)
