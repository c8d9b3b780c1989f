"""Where a request stands with each system it must reach, as JSON."""

import json
import uuid

from django.core.management.base import BaseCommand, CommandError

from apps.subject_requests.models import SubjectRequest
from apps.systems.selectors import propagation_status


class Command(BaseCommand):
    help = "Print, as JSON, each system's part of a request (its full reference or the 8-character short one)."

    def add_arguments(self, parser):
        parser.add_argument("reference")

    def handle(self, *args, reference: str, **options):
        text = reference.strip().lower()
        try:
            request = SubjectRequest.objects.filter(reference=uuid.UUID(text)).first()
        except ValueError:
            matches = list(SubjectRequest.objects.filter(reference__startswith=text)[:2]) if len(text) == 8 else []
            request = matches[0] if len(matches) == 1 else None
        if request is None:
            raise CommandError(f"No request has the reference {reference!r}.")
        self.stdout.write(json.dumps(propagation_status(request), indent=2))
