"""Reads of the officers' daily reminder: who gets which requests today (services/reminders.py
sends them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from apps.accounts.models import User
from apps.core.clock import organisation_today
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.selectors.deadlines import due_soon, overdue
from apps.subject_requests.selectors.workflow import privacy_officers, recipients_for

Status = SubjectRequest.Status
REMIND_WITHIN = timedelta(days=3)


@dataclass
class Digest:
    recipient: User
    due_soon: list[SubjectRequest] = field(default_factory=list)
    overdue: list[SubjectRequest] = field(default_factory=list)

    @property
    def requests(self) -> list[SubjectRequest]:
        return self.overdue + self.due_soon


def reminders_due(*, now: datetime | None = None) -> list[Digest]:
    """Who gets which requests today: open requests due within 3 days or overdue, not
    reminded today, not paused (a paused clock's due date moves when it resumes) and not
    awaiting the requester's confirmation (those expire on their own)."""
    now = now or timezone.now()
    today = organisation_today(now=now).isoformat()
    base = (
        SubjectRequest.objects.exclude(status=Status.AWAITING_VERIFICATION)
        .filter(paused_since__isnull=True)
        .select_related("assignee", "jurisdiction")
    )
    soon = list(due_soon(base, now=now, within=REMIND_WITHIN).order_by("deadline_at", "pk"))
    late = list(overdue(base, now=now).order_by("deadline_at", "pk"))
    officers = privacy_officers()
    digests: dict[int, Digest] = {}
    for kind, requests in (("due_soon", soon), ("overdue", late)):
        for request in requests:
            if (request.execution or {}).get("reminded_on") == today:
                continue
            for recipient in recipients_for(request, officers):
                digest = digests.setdefault(recipient.pk, Digest(recipient=recipient))
                getattr(digest, kind).append(request)
    return list(digests.values())
