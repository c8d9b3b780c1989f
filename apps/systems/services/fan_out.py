"""Telling the systems: which ones a request reaches, and the first message to each.

Called from the request's own steps (apps/subject_requests/registry.py), in their
transaction: the tasks, the outbox events (webhook) and the jobs (email) commit with the step
or not at all, and the unique (request, system) constraint keeps a step that runs twice from
telling anyone twice. Erasures, restrictions and objections are told when the worker starts
them (an erasure would erase the address the systems must be given); a rectification when an
officer applies it, with the corrections accepted.
"""

from __future__ import annotations

import hashlib
import secrets as token_secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.core.jobs import job_enqueue
from apps.core.mail import send_templated_mail
from apps.core.models import WebhookEvent
from apps.core.webhooks import webhook_enqueue_many
from apps.disclosures.models import Disclosure, DisclosureSubject, Recipient
from apps.personal_data.domain import subject_reference
from apps.personal_data.registry import Category, entries
from apps.subject_requests.models import RequestType, SubjectRequest
from apps.subject_requests.registry import COMPLETING, STARTED
from apps.systems.domain import ACTION_LABELS, ACTIONS, ENDPOINT, INSTRUCTIONS_JOB
from apps.systems.models import PropagationTask
from apps.systems.selectors import live_secrets_of

State = PropagationTask.State
Connector = Recipient.Connector
TOLD_AT_START = {RequestType.ERASURE, RequestType.RESTRICTION, RequestType.OBJECTION, RequestType.ACCESS}


def propagation_on_step(request: SubjectRequest, step: str) -> None:
    """The step listener registered with subject_requests."""
    if request.request_type not in ACTIONS:
        return
    if step == STARTED and request.request_type in TOLD_AT_START:
        if request.request_type == RequestType.ACCESS and request.subject is None:
            return  # no account, no export for the systems' answers to go into
        propagation_fan_out(request=request)
    elif step == COMPLETING:
        if request.request_type == RequestType.RECTIFICATION:
            propagation_fan_out(request=request)
        if request.request_type == RequestType.ERASURE:
            from apps.systems.services.answers import certify

            certify(request)
        if request.request_type == RequestType.ACCESS:
            from apps.systems.services.answers import access_answers_forget

            access_answers_forget(request)


def _categories(request: SubjectRequest) -> set[str]:
    """The registry categories the request is about: for a rectification the categories of the
    fields corrected; otherwise everything held about the person."""
    if request.request_type != RequestType.RECTIFICATION:
        return set(Category.values)
    applied = ((request.execution or {}).get("rectification") or {}).get("applied")
    fields = set(applied if applied is not None else ((request.scope or {}).get("changes") or {}))
    found: set[str] = set()
    for entry in entries():
        if entry.label == settings.AUTH_USER_MODEL:
            found |= {str(f.category) for f in entry.fields if f.name in fields}
    return found or {Category.IDENTITY.value, Category.CONTACT.value}


def _register_recipients(request: SubjectRequest) -> dict[int, bool]:
    """Art. 19: every recipient the disclosure register shows this person's data went to, and
    whether the person may see it (any of those disclosures visible to them)."""
    if request.subject is None:
        return {}
    reference = subject_reference(request.subject)
    found: dict[int, bool] = {}
    rows = DisclosureSubject.objects.filter(subject_reference=reference).values_list(
        "disclosure__recipient_id", "disclosure__visibility"
    )
    for recipient_id, visibility in rows:
        found[recipient_id] = found.get(recipient_id, False) or visibility == Disclosure.Visibility.VISIBLE
    return found


def _disclosed_categories(request: SubjectRequest, system: Recipient) -> set[str]:
    """The categories the register says this person's data given to ``system`` was in."""
    if request.subject is None:
        return set()
    rows = DisclosureSubject.objects.filter(
        subject_reference=subject_reference(request.subject), disclosure__recipient=system
    ).values_list("disclosure__data_categories", flat=True)
    return {str(c) for categories in rows for c in (categories or [])}


def _targets(request: SubjectRequest) -> dict[int, tuple[Recipient, str, bool]]:
    """Each system to tell: why, and whether the person may see that it was told."""
    wanted = _categories(request)
    register = _register_recipients(request)
    targets: dict[int, tuple[Recipient, str, bool]] = {}
    access = request.request_type == RequestType.ACCESS
    for system in Recipient.objects.filter(is_active=True).exclude(connector="").order_by("name"):
        shown = register.get(system.pk, True)
        if access and not shown:
            # P-22: its answer could not go into the export without naming it to the person, so
            # it is not asked (access_answers_for_export leaves such a task out too).
            continue
        if wanted & set(system.categories_held or []):
            targets[system.pk] = (system, PropagationTask.Why.HOLDS, shown)
    if access:
        # Art. 15 asks what the controller and its processors hold; a recipient the register
        # shows is a controller of its own, not one to answer into this export.
        return targets
    for system in Recipient.objects.filter(pk__in=list(register)).exclude(pk__in=list(targets)):
        targets[system.pk] = (system, PropagationTask.Why.REGISTER, register[system.pk])
    return targets


def identifiers(request: SubjectRequest, system: Recipient) -> dict[str, str]:
    """What the system is told to find the person by: what it was configured to need, no more."""
    wanted = system.identifiers or ["subject_reference"]
    user = request.subject
    found: dict[str, str] = {}
    email = user.email if user is not None else request.requester_email
    if "email" in wanted and email:
        found["email"] = email
    if "account_id" in wanted and user is not None:
        found["account_id"] = str(user.reference)
    if "subject_reference" in wanted and user is not None:
        found["subject_reference"] = subject_reference(user)
    return found


def event_data(task: PropagationTask) -> dict:
    request = task.request
    data = {
        # The task's own reference only: the request's opens the person's public status page.
        "task": str(task.reference),
        "action": task.action,
        "request_type": request.request_type,
        "subject": identifiers(request, task.system),
        "categories": sorted(_categories(request) & set(task.system.categories_held or []))
        or sorted(_categories(request)),
        "deadline": task.deadline_at.isoformat(),
        "callback_url": settings.SITE_URL.rstrip("/") + reverse("systems:callback", args=[task.reference]),
    }
    if request.request_type == RequestType.RECTIFICATION:
        data["changes"] = _changes(request, task.system, why=task.why)
    return data


def _field_categories() -> dict[str, str]:
    """Each personal field of the account, by name, with its registry category."""
    return {
        f.name: str(f.category) for entry in entries() if entry.label == settings.AUTH_USER_MODEL for f in entry.fields
    }


def _changes(request: SubjectRequest, system: Recipient, *, why: str) -> dict:
    """A rectification's accepted corrections (the new values to write) that concern ``system``:
    those in the categories it holds, or, for a recipient in the register, the categories it was
    given. A system is not sent corrections to data it never had."""
    if request.request_type != RequestType.RECTIFICATION:
        return {}
    applied = ((request.execution or {}).get("rectification") or {}).get("applied") or []
    changes = (request.scope or {}).get("changes") or {}
    held = {str(c) for c in (system.categories_held or [])}
    if why == PropagationTask.Why.REGISTER:
        held |= _disclosed_categories(request, system)
    categories = _field_categories()
    return {name: changes[name] for name in applied if name in changes and categories.get(name) in held}


def propagation_fan_out(*, request: SubjectRequest) -> list[PropagationTask]:
    """Create the request's task for every system it must reach, and tell each (idempotent).

    Called under the request's row lock (the worker's claim, the completion), so two deliveries
    of one step never fan out side by side; the unique (request, system) constraint stands
    behind that. A handful of statements per request whatever the number of systems: the tasks,
    their history rows and the events are each written in one INSERT.
    """
    now = timezone.now()
    known = set(PropagationTask.objects.filter(request=request).values_list("system_id", flat=True))
    targets = [target for target in _targets(request).values() if target[0].pk not in known]
    if not targets:
        return []
    with_secret = set(
        live_secrets_of([t[0].pk for t in targets if t[0].connector == Connector.WEBHOOK]).values_list(
            "system_id", flat=True
        )
    )
    tasks: list[PropagationTask] = []
    for system, why, shown in targets:
        connector = system.connector or Connector.MANUAL  # a register recipient with no connector: an officer tells it
        note = ""
        if connector == Connector.WEBHOOK and system.pk not in with_secret:
            connector, note = Connector.MANUAL, "No live webhook secret: tell this system by hand."
        if connector in (Connector.WEBHOOK, Connector.EMAIL) and not identifiers(request, system):
            # An event naming nobody ("subject": {}) cannot be acted on, and a system might read
            # it as "everyone": an officer finds the person in that system another way.
            connector, note = (
                Connector.MANUAL,
                "Nothing this system finds people by ({wanted}) is known for this request (it has no "
                "account): tell this system by hand.".format(
                    wanted=", ".join(system.identifiers or ["subject_reference"])
                ),
            )
        task = PropagationTask(
            request=request,
            system=system,
            action=ACTIONS[request.request_type],
            why=why,
            shown_to_subject=shown,
            connector=connector,
            deadline_at=now + timedelta(days=system.deadline_days or 10),
            note=note,
        )
        if connector == Connector.MANUAL:
            task.state, task.told_at = State.SENT, now  # the officers' task list is the telling
        if connector == Connector.EMAIL:
            task.pending_identifiers = {
                "subject": identifiers(request, system),
                "changes": _changes(request, system, why=why),
            }
        tasks.append(task)
    PropagationTask.objects.bulk_create(tasks)
    PropagationTask.history.bulk_history_create(tasks, default_change_reason=f"Told of request {request.reference}")
    webhook_enqueue_many(
        [
            {
                "endpoint": ENDPOINT,
                "endpoint_id": task.system_id,
                "url": task.system.webhook_url,
                "event_type": f"privacy.request.{task.action}",
                "data": event_data(task),
                "dedupe_key": f"systems.task:{task.pk}",
            }
            for task in tasks
            if task.connector == Connector.WEBHOOK
        ]
    )
    for task in tasks:
        if task.connector == Connector.EMAIL:
            job_enqueue(kind=INSTRUCTIONS_JOB, target=task.pk)
    return tasks


def tasks_told(events: list[WebhookEvent]) -> None:
    """The outbox delivered these events: their tasks are now told (in the outbox's transaction)."""
    by_task = {int(e.dedupe_key.split(":", 1)[1]): e for e in events if e.dedupe_key.startswith("systems.task:")}
    tasks = list(PropagationTask.objects.select_for_update().filter(pk__in=list(by_task), state=State.PENDING))
    if not tasks:
        return
    told_at = max(by_task[t.pk].delivered_at or timezone.now() for t in tasks)  # one batch, one moment
    # One UPDATE and one history INSERT for the batch (simple-history's bulk writer), not a save per task.
    PropagationTask.objects.filter(pk__in=[t.pk for t in tasks]).update(state=State.SENT, told_at=told_at)
    for task in tasks:
        task.state, task.told_at = State.SENT, told_at
    PropagationTask.history.bulk_history_create(tasks, update=True, default_change_reason="webhook delivered")


def tasks_gave_up(event: WebhookEvent) -> None:
    """The outbox gave up on an event: the task fails and officers see why on the request."""
    from apps.subject_requests.services.requests import subject_request_note

    if not event.dedupe_key.startswith("systems.task:"):
        return
    # Locked: a system's answer may land at the same moment; the settled check and the save
    # must see the same row, or FAILED would overwrite its CONFIRMED. The request's row first,
    # as the answers do (apps/systems/services/answers.py _lock): one order, no deadlock.
    task_id = int(event.dedupe_key[13:])
    request_id = PropagationTask.objects.filter(pk=task_id).values_list("request_id", flat=True).first()
    if request_id is None:
        return
    SubjectRequest.objects.select_for_update().filter(pk=request_id).values_list("pk", flat=True).first()
    task = (
        PropagationTask.objects.select_for_update(of=("self",))
        .select_related("request", "system")
        .filter(pk=task_id)
        .first()
    )
    if task is None or task.is_settled:
        return
    task.state, task.note = State.FAILED, f"The webhook could not be delivered: {event.last_error}"[:1000]
    task._change_reason = "webhook given up"  # type: ignore[attr-defined]
    task.save(update_fields=["state", "note", "updated_at"])
    subject_request_note(
        request=task.request,
        actor=None,
        body=f"{task.system.name} could not be reached by webhook ({event.last_error}). "
        "Tell it another way and close its task with a reason.",
    )


def new_confirm_token(task: PropagationTask) -> str:
    """A fresh one-time token for the email link; only its digest is kept (a new one replaces it)."""
    token = token_secrets.token_urlsafe(32)
    task.confirm_digest = hashlib.sha256(token.encode()).hexdigest()
    return token


def confirm_url(task: PropagationTask, token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("systems:confirm", args=[task.reference, token])


def instructions_send(*, task_id: int, reminder: bool = False) -> bool:
    """Email a system its instructions (or a reminder) with a one-time confirmation link."""
    with transaction.atomic():
        task = (
            PropagationTask.objects.select_for_update(of=("self",))
            .select_related("system", "request", "request__subject")
            .filter(pk=task_id)
            .first()
        )
        if task is None or task.is_settled or (not reminder and task.state != State.PENDING):
            return False
        token = new_confirm_token(task)
        context = {
            "system": task.system.name,
            "action": ACTION_LABELS.get(task.action, task.action),
            # The task's reference, never the request's (that one opens the person's status page).
            "reference": str(task.reference),
            # A reminder names the request only: the identifiers went in the first email and
            # are not kept after it.
            "identifiers": {} if reminder else (task.pending_identifiers.get("subject") or {}),
            "changes": {} if reminder else (task.pending_identifiers.get("changes") or {}),
            "deadline": task.deadline_at,
            "confirm_url": confirm_url(task, token),
            "reminder": reminder,
        }
        send_templated_mail(
            "systems/email/instructions", context, to=task.system.privacy_contact_email, language=task.system.language
        )
        fields = ["confirm_digest", "updated_at"]
        if reminder:
            task.reminded_at = timezone.now()
            fields.append("reminded_at")
        else:
            task.state, task.told_at, task.pending_identifiers = State.SENT, timezone.now(), {}
            fields += ["state", "told_at", "pending_identifiers"]
            task._change_reason = "instructions emailed"  # type: ignore[attr-defined]
        task.save(update_fields=fields)
        return True


def system_test_send(*, system: Recipient) -> dict:
    """Send a signed test event to a webhook system now and report the round trip
    (``manage.py systems_test NAME``). Nothing is written: the event names no request."""
    import json
    import time
    import uuid

    import requests as http

    from apps.core.webhooks import UnsafeTarget, check_target, sign_headers
    from apps.core.webhooks.transport import webhook_session
    from apps.systems.selectors import secrets_for

    report: dict = {"system": system.name, "url": system.webhook_url, "ok": False}
    if system.connector != Connector.WEBHOOK:
        report["error"] = "This system is not told by webhook."
        return report
    secrets = secrets_for(str(system.pk))
    if not secrets:
        report["error"] = "This system has no live secret: add one in the admin."
        return report
    try:
        check_target(system.webhook_url)
    except UnsafeTarget as exc:
        report["error"] = str(exc)
        return report
    now = timezone.now()
    event_id = f"msg_{uuid.uuid4().hex}"
    body = json.dumps(
        {"type": "privacy.test", "timestamp": now.isoformat(), "data": {"action": "test"}}, separators=(",", ":")
    ).encode()
    headers = sign_headers(secrets_=secrets, event_id=event_id, timestamp=now, body=body)
    started = time.monotonic()
    try:
        with webhook_session() as session:  # connections to a private peer are refused (DNS rebinding)
            response = session.post(
                system.webhook_url,
                data=body,
                headers=headers,
                timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
                allow_redirects=False,
            )
    except http.RequestException as exc:
        report["error"] = f"{type(exc).__name__}: {exc}"
        return report
    report.update(
        event_id=event_id,
        status=response.status_code,
        milliseconds=round((time.monotonic() - started) * 1000, 1),
        ok=200 <= response.status_code < 300,
    )
    return report
