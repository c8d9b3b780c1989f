"""Silent systems, a periodic job with two doors (beat hourly, ``manage.py remind_systems``):
a reminder to the system's privacy contact before its deadline (emailed instructions), and
once the deadline has passed a note on the request and an email to the privacy officers."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.clock import organisation_time
from apps.core.mail import send_templated_mail
from apps.disclosures.models import Recipient
from apps.systems.domain import REMIND_BEFORE_DAYS
from apps.systems.models import PropagationTask
from apps.systems.selectors import overdue_system_tasks
from apps.systems.services.fan_out import instructions_send

logger = logging.getLogger(__name__)
State = PropagationTask.State


@dataclass
class Reminded:
    systems: list[int] = field(default_factory=list)  # tasks whose system was reminded
    officers: list[int] = field(default_factory=list)  # overdue tasks officers were told of
    resumed: list[int] = field(default_factory=list)  # waiting requests whose systems had all settled

    def as_dict(self) -> dict[str, list[int]]:
        return {"systems": self.systems, "officers": self.officers, "resumed": self.resumed}


def _resume_settled(*, dry_run: bool) -> list[int]:
    """Requests left waiting for systems that have all settled. The answers resume the request
    themselves; this sweep is the safety net for one that slipped (a worker killed between the
    answer and the resume, a race on an older release), so no request waits forever."""
    from apps.subject_requests.models import ExecutionState, SubjectRequest
    from apps.subject_requests.registry import completion_waits_for
    from apps.subject_requests.services.execution import subject_request_resume

    waiting = (
        SubjectRequest.objects.filter(
            status=SubjectRequest.Status.IN_PROGRESS, execution_state=ExecutionState.AWAITING_SYSTEMS
        )
        .exclude(propagation_tasks__state__in=[s for s in State.values if s not in PropagationTask.SETTLED])
        .order_by("pk")
    )
    resumed: list[int] = []
    for request in waiting:
        if completion_waits_for(request):
            continue  # another gate than the systems holds it
        if not dry_run:
            done = subject_request_resume(request_id=request.pk)
            if done is None or done.execution_state == ExecutionState.AWAITING_SYSTEMS:
                continue
        resumed.append(request.pk)
    return resumed


def systems_remind(*, now: datetime | None = None, dry_run: bool = False) -> Reminded:
    from apps.subject_requests.selectors.workflow import privacy_officers
    from apps.subject_requests.services.requests import admin_url, subject_request_note

    now = now or timezone.now()
    found = Reminded()
    soon = PropagationTask.objects.filter(
        state=State.SENT,
        connector=Recipient.Connector.EMAIL,
        reminded_at__isnull=True,
        deadline_at__gt=now,
        deadline_at__lte=now + timedelta(days=REMIND_BEFORE_DAYS),
    ).order_by("pk")
    for task_id in soon.values_list("pk", flat=True):
        if dry_run or instructions_send(task_id=task_id, reminder=True):
            found.systems.append(task_id)
    found.resumed = _resume_settled(dry_run=dry_run)
    overdue = list(overdue_system_tasks(now=now).filter(overdue_notified_at__isnull=True))
    if dry_run:
        found.officers = [t.pk for t in overdue]
        return found
    for task in overdue:
        with transaction.atomic():
            marked = PropagationTask.objects.filter(pk=task.pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=now
            )
            if not marked:
                continue  # another run told them
            subject_request_note(
                request=task.request,
                actor=None,
                # On the organisation's clock, the zone named: the deadline is stored in UTC.
                body=f"{task.system.name} has not confirmed by its deadline "
                f"({organisation_time(task.deadline_at):%Y-%m-%d %H:%M} {settings.TIME_ZONE}). "
                "Chase it, or close its task with a reason.",
            )
        found.officers.append(task.pk)
    if found.officers:
        rows = [
            {
                "system": t.system.name,
                "request": t.request.short_reference,
                "deadline": t.deadline_at,
                "url": admin_url(t.request),
            }
            for t in overdue
            if t.pk in found.officers
        ]
        for officer in privacy_officers():
            try:
                send_templated_mail(
                    "systems/email/overdue", {"rows": rows}, to=officer.email, language=officer.preferred_language
                )
            except Exception:
                logger.exception("Could not tell an officer of silent systems.")
    return found
