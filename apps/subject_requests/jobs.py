"""Periodic jobs of subject requests, each with two doors (DESIGN.md): a beat entry in
config/celery.py and a management command with --dry-run.

* ``subject_requests_remind``: a daily digest to each assignee (or, for unassigned requests,
  every privacy officer) of their requests due within 3 days and those overdue.
* ``subject_requests_requeue_stuck``: the reconciler. Requests the worker owes work on
  whose task is lost (a broker restart, a killed worker) are queued again, so nothing is lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.core.clock import organisation_today, today_in
from apps.core.mail import send_templated_mail
from apps.subject_requests import execution, selectors, services
from apps.subject_requests.models import SubjectRequest

logger = logging.getLogger(__name__)

Status = SubjectRequest.Status
REMIND_WITHIN = timedelta(days=3)
STUCK_AFTER = timedelta(minutes=30)
# Re-queued this many times without finishing: the reconciler stops and tells the officers
# (a request that kills its worker every time must not loop for ever).
MAX_REQUEUES = 5


# --- Reminders ----------------------------------------------------------------------------------


@dataclass
class Digest:
    recipient: User
    due_soon: list[SubjectRequest] = field(default_factory=list)
    overdue: list[SubjectRequest] = field(default_factory=list)

    @property
    def requests(self) -> list[SubjectRequest]:
        return self.overdue + self.due_soon


def privacy_officers() -> list[User]:
    from apps.accounts.domain import PRIVACY_OFFICER

    return list(
        User.objects.filter(is_active=True, is_staff=True, groups__name=PRIVACY_OFFICER)
        .exclude(email="")
        .order_by("pk")
        .distinct()
    )


def recipients_for(request: SubjectRequest, officers: list[User]) -> list[User]:
    assignee = request.assignee
    if assignee is not None and assignee.is_active and assignee.is_staff and assignee.email:
        return [assignee]
    return officers  # unassigned (or the assignee left): every privacy officer


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
    soon = list(selectors.due_soon(base, now=now, within=REMIND_WITHIN).order_by("deadline_at", "pk"))
    late = list(selectors.overdue(base, now=now).order_by("deadline_at", "pk"))
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


def admin_url(request: SubjectRequest) -> str:
    site = settings.SITE_URL.rstrip("/")
    try:
        return site + reverse("admin:subject_requests_subjectrequest_change", args=[request.pk])
    except NoReverseMatch:  # the admin page is not registered (yet)
        return site + reverse("admin:index")


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
        logger.exception("Could not send the subject-request reminder to officer %s.", digest.recipient.pk)
        return False
    return True


def _unmark(request_pk: int, today: date) -> None:
    with transaction.atomic():
        current = SubjectRequest.objects.select_for_update().values_list("execution", flat=True).get(pk=request_pk)
        if (current or {}).get("reminded_on") == today.isoformat():
            current = {k: v for k, v in current.items() if k != "reminded_on"}
            SubjectRequest.objects.filter(pk=request_pk).update(execution=current)


# --- Reconciler ---------------------------------------------------------------------------------


def _last_activity(request: SubjectRequest) -> datetime:
    """The latest sign of life: queued, claimed or heartbeat, or the engine's own progress."""
    from apps.personal_data.models import DataExport, ErasureRun

    record = request.execution or {}
    # updated_at: the request's own last save (opening, starting), the fallback when the
    # worker never recorded anything (services._after_opening queues without bookkeeping).
    times = [request.updated_at]
    times += [execution.parse_time(record.get(key)) for key in ("queued_at", "active_at", "requeued_at")]
    if record.get("erasure"):
        erasures = ErasureRun.objects.filter(pk=record["erasure"].get("id"))
        times.append(erasures.values_list("updated_at", flat=True).first())
    if record.get("export"):
        exports = DataExport.objects.filter(pk=record["export"].get("id"))
        times.append(exports.values_list("updated_at", flat=True).first())
    found = [t for t in times if t is not None]
    return max(found)


def _is_stuck(request: SubjectRequest, *, now: datetime, older_than: timedelta) -> bool:
    state = (request.execution or {}).get("state")
    if request.status == Status.IN_PROGRESS:
        owed = state in execution.UNFINISHED
    else:
        # Withdrawals and objections are queued at opening (services) and started by the worker.
        owed = request.status == Status.OPEN and request.request_type in services.IMMEDIATE_TYPES and state is None
    return owed and now - _last_activity(request) >= older_than


def stuck_requests(*, older_than: timedelta = STUCK_AFTER, now: datetime | None = None) -> list[SubjectRequest]:
    """Requests the worker owes work on, idle for ``older_than``: IN_PROGRESS with the
    execution queued or running, and OPEN withdrawals and objections never started."""
    now = now or timezone.now()
    candidates = SubjectRequest.objects.filter(
        Q(status=Status.IN_PROGRESS) | Q(status=Status.OPEN, request_type__in=services.IMMEDIATE_TYPES)
    ).order_by("pk")
    return [r for r in candidates if _is_stuck(r, now=now, older_than=older_than)]


def subject_requests_requeue_stuck(
    *, older_than: timedelta = STUCK_AFTER, dry_run: bool = False, max_requeues: int = MAX_REQUEUES
) -> list[SubjectRequest]:
    """Queue execution again for each stuck request (every 10 minutes by beat).

    Safe to over-queue: execution is idempotent and resumes the export or erasure it had
    started. After ``max_requeues`` the request is marked gave_up with a note for officers.
    """
    from apps.subject_requests.tasks import execute_task

    stuck = stuck_requests(older_than=older_than)
    if dry_run:
        return stuck
    done = []
    for candidate in stuck:
        with transaction.atomic():
            request = SubjectRequest.objects.select_for_update().get(pk=candidate.pk)
            if not _is_stuck(request, now=timezone.now(), older_than=older_than):
                continue  # finished or picked up meanwhile
            record = dict(request.execution or {})
            requeues = int(record.get("requeues", 0))
            if requeues >= max_requeues:
                record.update(state=execution.GAVE_UP, finished_at=timezone.now().isoformat())
                SubjectRequest.objects.filter(pk=request.pk).update(execution=record)
                services.subject_request_note(
                    request=request,
                    actor=None,
                    body=(
                        f"The worker did not finish this request after {requeues + 1} tries "
                        f"(last error: {record.get('error') or 'none recorded'}). Queue it again or handle it by hand."
                    ),
                )
                logger.error("Subject request %s: gave up after %s re-queues.", request.reference, requeues)
                continue
            record.update(requeues=requeues + 1, requeued_at=timezone.now().isoformat())
            SubjectRequest.objects.filter(pk=request.pk).update(execution=record)
            transaction.on_commit(lambda pk=request.pk: execute_task.delay(pk))
            request.execution = record
            done.append(request)
    return done
