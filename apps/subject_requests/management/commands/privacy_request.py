"""manage.py privacy_request TYPE EMAIL: file a request on someone's behalf, as an officer's intake does.

Prints JSON (reference, status, received_at, acknowledge_by, due_at, and extended_due_at: how far
an extension could take it under the rule in force when it was received). With --wait the
request is carried out through the worker (which must be running) and the final status is
printed when it closes, or when it waits for an officer (rectification, complaint), or when
--timeout passes (then the command fails after printing).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.utils import timezone

from apps.accounts.models import User
from apps.core.actors import SystemActor
from apps.subject_requests import execution
from apps.subject_requests.models import IMMEDIATE_TYPES, Jurisdiction, RequestType, SubjectRequest
from apps.subject_requests.selectors.deadlines import extension_limit_at
from apps.subject_requests.services.intake import subject_request_create
from apps.subject_requests.services.workflow import subject_request_start

ACTOR = SystemActor("manage.py privacy_request")
CHANNELS = (SubjectRequest.Channel.EMAIL, SubjectRequest.Channel.PHONE, SubjectRequest.Channel.LETTER)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def request_json(request: SubjectRequest, **extra) -> dict:
    return {
        "reference": str(request.reference),
        "type": request.request_type,
        "status": request.status,
        "jurisdiction": request.jurisdiction.code,
        "received_at": _iso(request.received_at),
        "acknowledge_by": _iso(request.acknowledge_by),
        "due_at": _iso(request.due_at),
        "extended_to": _iso(request.extended_to),
        # The latest an extension could give (the extension itself once granted); None: no extension.
        "extended_due_at": _iso(extension_limit_at(request)),
        "closed_at": _iso(request.closed_at),
        **extra,
    }


class Command(BaseCommand):
    help = "File a data-subject request on someone's behalf (officer intake) and print it as JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("type", help=f"The right exercised: {', '.join(RequestType.values)}.")
        parser.add_argument("email", help="The person's email address (their account's, if they have one).")
        parser.add_argument("--channel", default="email", help="How it reached us: email, phone or letter.")
        parser.add_argument(
            "--received", default="", help="When it was received, ISO 8601 (default now; no time zone: UTC)."
        )
        parser.add_argument("--jurisdiction", default="", help="eu, uk, us-ca or vn (default: from the account).")
        parser.add_argument("--wait", action="store_true", help="Carry it out through the worker and wait.")
        parser.add_argument("--timeout", type=float, default=600, help="Seconds to wait with --wait (default 600).")

    def handle(self, *args, email: str, channel: str, received: str, jurisdiction: str, **options):
        request_type, address, received_at, rule = self._parse(options["type"], email, channel, received, jurisdiction)
        subject = User.objects.filter(email__iexact=address).first()
        try:
            request, created = subject_request_create(
                request_type=request_type,
                channel=channel,
                actor=ACTOR,
                subject=subject,
                requester_email="" if subject is not None else address,
                jurisdiction=rule,
                received_at=received_at,
                verification_method=SubjectRequest.Verification.OFFICER,
                verification_note="Filed by command",
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(json.dumps(request_json(request, created=created)))
        if options["wait"]:
            self._wait(request, timeout=options["timeout"])

    def _parse(self, request_type: str, email: str, channel: str, received: str, jurisdiction: str):
        if request_type not in RequestType.values:
            raise CommandError(f"Unknown request type {request_type!r}; use one of: {', '.join(RequestType.values)}.")
        if channel not in CHANNELS:
            raise CommandError(f"Unknown channel {channel!r}; use one of: {', '.join(CHANNELS)}.")
        address = User.objects.normalize_email(email.strip())
        try:
            validate_email(address)
        except ValidationError:
            raise CommandError(f"Not an email address: {email!r}.") from None
        received_at = None
        if received:
            try:
                received_at = datetime.fromisoformat(received.strip())
            except ValueError:
                raise CommandError(
                    f"Not an ISO 8601 date and time: {received!r} (e.g. 2026-03-31T09:30:00+01:00)."
                ) from None
            if timezone.is_naive(received_at):
                received_at = received_at.replace(tzinfo=UTC)
            if received_at > timezone.now():
                raise CommandError(f"The received date {received_at.isoformat()} is in the future.")
        rule = None
        if jurisdiction:
            rule = Jurisdiction.objects.with_rules().filter(code=jurisdiction).first()
            if rule is None:
                codes = ", ".join(Jurisdiction.objects.with_rules().values_list("code", flat=True))
                raise CommandError(f"Unknown jurisdiction {jurisdiction!r}; use one of: {codes}.")
        return request_type, address, received_at, rule

    def _wait(self, request: SubjectRequest, *, timeout: float) -> None:
        request.refresh_from_db()
        if request.status == SubjectRequest.Status.OPEN and request.request_type not in IMMEDIATE_TYPES:
            # Withdrawals and objections were queued at opening; the worker starts them itself.
            subject_request_start(request=request, actor=ACTOR)
        deadline = time.monotonic() + timeout
        while True:
            request = SubjectRequest.objects.select_related("jurisdiction").get(pk=request.pk)
            if not request.is_open:
                self.stdout.write(json.dumps(request_json(request, outcome=request.outcome)))
                return
            if execution.awaiting_officer(request):
                self.stdout.write(json.dumps(request_json(request, awaiting="officer")))
                return
            if time.monotonic() > deadline:
                self.stdout.write(json.dumps(request_json(request, timed_out=True)))
                raise CommandError(
                    f"Request {request.reference} is still {request.status} after {timeout:.0f}s; is a worker running?"
                )
            time.sleep(0.5)
