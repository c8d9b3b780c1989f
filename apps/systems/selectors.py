"""Reads of apps/systems: secrets to sign with, a request's tasks and progress, overdue tasks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from functools import partial

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core.webhooks import live_secret_filter, plain_secrets
from apps.disclosures.models import Recipient
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.registry import Progress
from apps.systems.models import PropagationTask, SystemSecret

State = PropagationTask.State


def live_secrets(system_id: int | str, *, now: datetime | None = None) -> QuerySet[SystemSecret]:
    return SystemSecret.objects.filter(system_id=int(system_id)).filter(live_secret_filter(now))


def live_secrets_of(system_ids: list[int], *, now: datetime | None = None) -> QuerySet[SystemSecret]:
    return SystemSecret.objects.filter(system_id__in=system_ids).filter(live_secret_filter(now))


def secrets_for(system_id: str) -> list[str]:
    """The plain secrets a system's events are signed with, newest first (the outbox's Endpoint)."""
    return plain_secrets(SystemSecret.objects.filter(system_id=int(system_id)))


def tasks_of(request: SubjectRequest) -> list[PropagationTask]:
    return list(PropagationTask.objects.filter(request=request).select_related("system", "closed_by"))


def propagation_waits(request: SubjectRequest) -> str:
    """The completion gate: why the request waits (the systems still silent), or ""."""
    open_count = PropagationTask.objects.filter(request=request).exclude(state__in=PropagationTask.SETTLED).count()
    if not open_count:
        return ""
    return f"{open_count} system(s) have not confirmed"


def _item(task: PropagationTask) -> dict:
    return {
        "name": task.system.name,
        "role": task.system.get_role_display(),
        "state": task.state,
        "state_label": task.get_state_display(),
        "connector": task.get_connector_display(),
        "why": task.get_why_display(),
        "told_at": task.told_at,
        "answered_at": task.answered_at,
        "deadline_at": task.deadline_at,
        "overdue": task.is_overdue,
        "note": task.note,
        "reference": str(task.reference),
        "id": task.pk,
    }


CONFIRMED_BY_SYSTEM = (State.CONFIRMED, State.NOTHING_HELD)


def was_told(task: PropagationTask) -> bool:
    """Whether the system has really been told: a webhook or email delivered (told_at), and a
    manual task only once an officer confirmed it (it is created "told", as the officers' to-do,
    before anyone has told anyone). A webhook given up on was never told."""
    if task.told_at is None:
        return False
    if task.connector == Recipient.Connector.MANUAL:
        return task.state in CONFIRMED_BY_SYSTEM
    return True


def propagation_progress(request: SubjectRequest) -> Progress | None:
    """ "3 of 4 systems have confirmed", each system's line, and the recipients told (Art. 19)."""
    tasks = tasks_of(request)
    if not tasks:
        return None
    done = sum(1 for t in tasks if t.is_settled)
    confirmed = sum(1 for t in tasks if t.state in CONFIRMED_BY_SYSTEM)
    closed = sum(1 for t in tasks if t.state == State.CLOSED)
    summary = ngettext(
        "%(done)s of %(total)s system has confirmed",
        "%(done)s of %(total)s systems have confirmed",
        len(tasks),
    ) % {"done": confirmed, "total": len(tasks)}
    if closed:
        # An officer's close is not the system's confirmation: said apart, never counted as one.
        summary += ngettext("; %(closed)s closed by an officer", "; %(closed)s closed by officers", closed) % {
            "closed": closed
        }
    told = sorted(
        t.system.name for t in tasks if t.system.role == Recipient.Role.RECIPIENT and t.shown_to_subject and was_told(t)
    )
    return Progress(done=done, total=len(tasks), summary=summary, items=[_item(t) for t in tasks], recipients_told=told)


def overdue_system_tasks(*, now: datetime | None = None) -> QuerySet[PropagationTask]:
    """Tasks past their system's deadline and not settled: for the officers' home page tile
    and the reminders. Oldest deadline first."""
    now = now or timezone.now()
    return (
        PropagationTask.objects.exclude(state__in=PropagationTask.SETTLED)
        .filter(deadline_at__lt=now)
        .select_related("system", "request")
        .order_by("deadline_at", "pk")
    )


def propagation_status(request: SubjectRequest) -> dict:
    """``manage.py propagation_status REF``: the request and one entry per system, as JSON."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    tasks = tasks_of(request)
    return {
        "request": str(request.reference),
        "type": request.request_type,
        "status": request.status,
        "execution_state": request.execution_state,
        "confirmed": sum(1 for t in tasks if t.state in CONFIRMED_BY_SYSTEM),
        "closed": sum(1 for t in tasks if t.state == State.CLOSED),
        "total": len(tasks),
        "systems": [
            {
                "system": t.system.name,
                "task": str(t.reference),
                "role": t.system.role,
                "why": t.why,
                "connector": t.connector,
                "state": t.state,
                "told_at": iso(t.told_at),
                "answered_at": iso(t.answered_at),
                "deadline_at": iso(t.deadline_at),
                "overdue": t.is_overdue,
                "counts": t.counts,
                "note": t.note,
            }
            for t in tasks
        ],
    }


def no_system_named(name: str) -> str:
    return _("No system is named %(name)s.") % {"name": name}


def overdue_systems_tile(request):
    """The officers' home page: systems silent past their deadline, oldest first (a small set:
    unsettled tasks past a deadline, on the (state, deadline) lookup)."""
    from django.urls import reverse
    from django.utils.http import urlencode

    from apps.core.admin.workspace import Tile, TileRow
    from apps.core.clock import organisation_time

    overdue = overdue_system_tasks()
    count = overdue.count()
    if not count:
        return None
    rows = tuple(
        TileRow(
            label=_("%(system)s, request %(reference)s")
            % {"system": task.system.name, "reference": task.request.short_reference},
            url=reverse("admin:systems_propagationtask_change", args=[task.pk]),
            detail=_("deadline was %(date)s") % {"date": f"{organisation_time(task.deadline_at):%Y-%m-%d}"},
            attention=True,
        )
        for task in overdue[:5]
    )
    return Tile(
        key="silent_systems",
        title=_("Systems not answering"),
        count=count,
        summary=ngettext("task past its deadline", "tasks past their deadline", count),
        url=f"{reverse('admin:systems_propagationtask_changelist')}?{urlencode({'overdue': 'yes'})}",
        rows=rows,
        attention=True,
    )


def _answer_summary(task: PropagationTask) -> str:
    if task.state == State.NOTHING_HELD:
        return _("Holds no data about you.")
    if task.state == State.CLOSED:
        return _("Closed by our privacy officer without this system's answer: %(reason)s") % {"reason": task.note}
    if hasattr(task, "access_answer"):
        return _("Sent the data it holds about you (the file in its folder).")
    return _("Confirmed without sending data.")  # an officer ticked it off with none


def _one_chunk(body: bytes) -> list[bytes]:
    return [body]


def _chunks_of(answer) -> Iterator[bytes]:
    with answer.file.open("rb") as stored:
        while chunk := stored.read(64 * 1024):
            yield chunk


def folder_slug(system) -> str:
    """The system's folder name under systems/: the export's part folders are lowercase letters,
    digits and hyphens (apps/personal_data/export/archive.py PART_FOLDER), and slugify keeps
    underscores ("Data_Warehouse"), so those become hyphens; a name with nothing left (all
    symbols, or not in Latin letters) is the system's number."""
    slug = slugify(system.name).replace("_", "-").strip("-")
    return slug if re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug) else f"system-{system.pk}"


def access_answers_for_export(subject, export) -> list:
    """The export's registry part (personal_data EXPORT_PARTS): for the access request this export
    answers, a folder per system told (systems/<system>/), with its file as it sent it, or the
    statement that it held nothing or was closed by an officer, and a status.json."""
    from apps.personal_data.registry.export import ExportPart, ExportPartFile

    tasks = (
        PropagationTask.objects.filter(
            action="access",
            request__subject=subject,
            request__execution__export__id=export.pk,
            # P-22: a system whose disclosures about the person are all withheld from them is
            # not named to them, not even by its folder (fan-out no longer asks it either).
            shown_to_subject=True,
        )
        .select_related("system", "access_answer")
        .order_by("system__name", "pk")
    )
    parts, taken = [], set()
    for task in tasks:
        slug = folder_slug(task.system)
        folder, number = f"systems/{slug}", 1
        while folder in taken:
            number += 1
            folder = f"systems/{slug}-{number}"
        taken.add(folder)
        answer = getattr(task, "access_answer", None)
        status = {
            "system": task.system.name,
            "role": task.system.role,
            "state": task.state,
            "told_at": task.told_at.isoformat() if task.told_at else None,
            "answered_at": task.answered_at.isoformat() if task.answered_at else None,
            "closed_reason": task.note if task.state == State.CLOSED else "",
            "file": f"answer.{answer.format}" if answer else None,
            "file_sha256": answer.sha256 if answer else None,
        }
        body = (json.dumps(status, indent=2, ensure_ascii=False) + "\n").encode()
        files = [ExportPartFile(name="status.json", chunks=partial(_one_chunk, body))]
        if answer is not None:
            files.insert(0, ExportPartFile(name=f"answer.{answer.format}", chunks=partial(_chunks_of, answer)))
        parts.append(ExportPart(folder=folder, title=task.system.name, summary=_answer_summary(task), files=files))
    return parts
