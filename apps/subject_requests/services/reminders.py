"""The officers' daily reminder, a periodic job with two doors: a beat entry in
config/celery.py (tasks.remind_task) and ``manage.py remind_subject_requests --dry-run``.

A digest to each assignee (or, for unassigned requests, every privacy officer) of their
requests due within 3 days and those overdue (who gets which: selectors/reminders.py).
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from apps.core.actors import actor_label
from apps.core.clock import organisation_today, today_in
from apps.core.mail import send_templated_mail
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.selectors.reminders import Digest, reminders_due
from apps.subject_requests.services.requests import admin_url

logger = logging.getLogger(__name__)


def subject_requests_remind(*, now: datetime | None = None, dry_run: bool = False) -> list[Digest]:
    """Email today's digests; each request is in at most one day's reminders (re-runnable).

    A request is marked (execution["reminded_on"]) under its row lock before the emails go;
    when every email that listed it failed, the mark is taken back so a later run retries.
    """
    now = now or timezone.now()
    today = organisation_today(now=now)
    digests = reminders_due(now=now)
    if dry_run:
        return digests
    marked: set[int] = set()
    for request in {r.pk: r for d in digests for r in d.requests}.values():
        with transaction.atomic():
            current = (
                SubjectRequest.objects.select_for_update().values_list("execution", flat=True).get(pk=request.pk) or {}
            )
            if current.get("reminded_on") == today.isoformat():
                continue  # another run reminded it meanwhile
            SubjectRequest.objects.filter(pk=request.pk).update(execution={**current, "reminded_on": today.isoformat()})
        marked.add(request.pk)
    sent: list[Digest] = []
    delivered: set[int] = set()
    for digest in digests:
        digest.due_soon = [r for r in digest.due_soon if r.pk in marked]
        digest.overdue = [r for r in digest.overdue if r.pk in marked]
        if not digest.requests:
            continue
        if _send_digest(digest, now=now):
            sent.append(digest)
            delivered.update(r.pk for r in digest.requests)
    for pk in marked - delivered:
        _unmark(pk, today)
    return sent


def _send_digest(digest: Digest, *, now: datetime) -> bool:
    # No customer data: type, reference, status and deadline, with a link to the admin page.
    def rows(requests: list[SubjectRequest]) -> list[dict]:
        return [
            {
                "reference": r.short_reference,
                "type": r.get_request_type_display(),
                "status": r.get_status_display(),
                "deadline": r.deadline_on,
                "days": (r.deadline_on - today_in(r.jurisdiction.timezone, now=now)).days if r.deadline_on else None,
                "url": admin_url(r),
            }
            for r in requests
        ]

    context = {"recipient": digest.recipient, "due_soon": rows(digest.due_soon), "overdue": rows(digest.overdue)}
    try:
        send_templated_mail(
            "subject_requests/email/reminder",
            context,
            to=digest.recipient.email,
            language=digest.recipient.preferred_language,
        )
    except Exception:
        logger.exception("Could not send the subject-request reminder to %s.", actor_label(digest.recipient))
        return False
    return True


def _unmark(request_pk: int, today: date) -> None:
    with transaction.atomic():
        current = SubjectRequest.objects.select_for_update().values_list("execution", flat=True).get(pk=request_pk)
        if (current or {}).get("reminded_on") == today.isoformat():
            current = {k: v for k, v in current.items() if k != "reminded_on"}
            SubjectRequest.objects.filter(pk=request_pk).update(execution=current)
