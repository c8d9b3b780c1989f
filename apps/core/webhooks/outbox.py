"""The outbox of signed webhooks: written with the step, relayed by the worker.

``webhook_enqueue`` writes one WebhookEvent in the caller's transaction (a step that rolls
back owes nothing) and, after the commit, nudges the relay task; beat runs the relay every
minute too, so events written while the broker was down, or left by a killed worker, go out
anyway. ``webhooks_relay`` claims due events in small batches (skip-locked where the database
has it, so two workers never take the same rows), leases them for as long as the batch can
take at the worst (every send timing out; a relay killed in the middle leaves them to the next
one after the lease), sends each signed, stops short when the lease runs out, and records the
results per batch: delivered, or retried with exponential backoff, or given up. A result is
written only while the event is still the claimer's (pending, same attempt count): a relay that
overran its lease cannot overwrite what a later one recorded.

Delivery is at least once: a relay killed after a receiver answered but before the result
was written sends that event again, with the same ``webhook-id``, which is how a Standard
Webhooks receiver recognises a repeat. One step never owes two events (``dedupe_key``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.core.models import WebhookEvent
from apps.core.webhooks.signing import sign_headers
from apps.core.webhooks.targets import check_target

logger = logging.getLogger(__name__)

State = WebhookEvent.State
BATCH_SIZE = 10
LEASE_MARGIN = timedelta(seconds=30)
RELAY_TASK = "apps.core.tasks.relay_webhooks_task"
MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Endpoint:
    """A kind of webhook endpoint, registered by the app that owns it (AppConfig.ready)."""

    name: str
    # The live secrets (whsec_…) of one endpoint: every event is signed by each.
    secrets: Callable[[str], list[str]]
    # Why an event of this type may no longer go to this endpoint (empty: it may), asked at send
    # time: what was allowed when the event was written (a scope, a live owner) can be gone by
    # then. An event refused is given up at once, with the reason recorded, never retried.
    refusal: Callable[[str, str], str] | None = None
    # Called in the transaction that marks events delivered / given up.
    delivered: Callable[[list[WebhookEvent]], None] | None = None
    gave_up: Callable[[WebhookEvent], None] | None = None


_ENDPOINTS: dict[str, Endpoint] = {}


def register_endpoint(endpoint: Endpoint) -> Endpoint:
    _ENDPOINTS[endpoint.name] = endpoint
    return endpoint


def _nudge() -> None:
    from celery import current_app

    try:
        current_app.send_task(RELAY_TASK, ignore_result=True, retry=False)
    except Exception:  # the broker is away: beat's every-minute run sends the event
        logger.warning("Could not nudge the webhook relay; beat will run it.", exc_info=True)


def webhook_enqueue(
    *, endpoint: str, endpoint_id: object, url: str, event_type: str, data: dict[str, Any], dedupe_key: str
) -> WebhookEvent:
    """Owe one event for the step ``dedupe_key``; asking again for the same step returns the first."""
    if endpoint not in _ENDPOINTS:
        raise LookupError(f"No webhook endpoint kind {endpoint!r} is registered")
    existing = WebhookEvent.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    now = timezone.now()
    payload = {"type": event_type, "timestamp": now.isoformat(), "data": data}
    event = WebhookEvent.objects.create(
        event_id=f"msg_{uuid.uuid4().hex}",
        dedupe_key=dedupe_key,
        event_type=event_type,
        endpoint=endpoint,
        endpoint_id=str(endpoint_id),
        url=url,
        payload=payload,
        # The body is the same bytes on every attempt (the timestamp inside is the step's):
        # its digest is what stays once the payload is blanked.
        body_sha256=hashlib.sha256(body_of(payload)).hexdigest(),
        next_attempt_at=now,
    )
    # One nudge per transaction is enough: the relay takes every due event.
    if not any(item[1] is _nudge for item in connection.run_on_commit):
        transaction.on_commit(_nudge)
    return event


def webhook_enqueue_many(events: list[dict[str, Any]]) -> list[WebhookEvent]:
    """Owe several events at once (one INSERT), for steps the caller knows are new (their
    dedupe keys name rows made in this transaction); a clash raises IntegrityError."""
    if not events:
        return []
    now = timezone.now()
    rows = []
    for spec in events:
        if spec["endpoint"] not in _ENDPOINTS:
            raise LookupError(f"No webhook endpoint kind {spec['endpoint']!r} is registered")
        payload = {"type": spec["event_type"], "timestamp": now.isoformat(), "data": spec["data"]}
        rows.append(
            WebhookEvent(
                event_id=f"msg_{uuid.uuid4().hex}",
                dedupe_key=spec["dedupe_key"],
                event_type=spec["event_type"],
                endpoint=spec["endpoint"],
                endpoint_id=str(spec["endpoint_id"]),
                url=spec["url"],
                payload=payload,
                body_sha256=hashlib.sha256(body_of(payload)).hexdigest(),
                next_attempt_at=now,
            )
        )
    made = WebhookEvent.objects.bulk_create(rows)
    if not any(item[1] is _nudge for item in connection.run_on_commit):
        transaction.on_commit(_nudge)
    return made


def webhooks_drop(
    *, endpoint: str, endpoint_ids: list[object], reason: str, event_types: list[str] | None = None
) -> int:
    """Give up, at once, every event still owed to these endpoints (their owner may no longer
    hear from the portal); the payloads are blanked like those of any event given up. A batch a
    relay claimed before this commit may still send what it holds; an endpoint kind whose
    ``secrets`` answer nothing for such an endpoint closes that gap too."""
    owed = WebhookEvent.objects.filter(
        endpoint=endpoint, endpoint_id__in=[str(i) for i in endpoint_ids], state=State.PENDING
    )
    if event_types is not None:  # only these kinds of event (the others are still owed)
        owed = owed.filter(event_type__in=event_types)
    return owed.update(state=State.FAILED, payload={}, last_error=reason[:1000])


def webhooks_retarget(*, endpoint: str, endpoint_id: object, url: str) -> int:
    """Send the events still owed to an endpoint to its new ``url``: the address is copied into
    each event when it is written, and an owner that moved must not be chased at the old one."""
    return WebhookEvent.objects.filter(endpoint=endpoint, endpoint_id=str(endpoint_id), state=State.PENDING).update(
        url=url
    )


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min… up to 6 hours (WEBHOOKS_RETRY_BASE_SECONDS), with a little jitter
    so a receiver that was down is not hit by every retry in the same second."""
    base = settings.WEBHOOKS_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    seconds = min(base, 6 * 3600)
    return timedelta(seconds=seconds * random.uniform(0.9, 1.1))


@dataclass
class Relayed:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"delivered": self.delivered, "retrying": self.retrying, "failed": self.failed}


def send_worst_case() -> timedelta:
    """The longest one send may take: requests applies the timeout to the connection and again
    to the wait for the answer."""
    return timedelta(seconds=2 * settings.WEBHOOKS_TIMEOUT_SECONDS)


def lease_for(batch_size: int) -> timedelta:
    """Long enough for every event of a batch to time out, one after the other: beat starts a
    relay every minute, and a lease shorter than the batch let it take the same events again."""
    return batch_size * send_worst_case() + LEASE_MARGIN


def _claim(limit: int, now: datetime) -> list[WebhookEvent]:
    with transaction.atomic():
        due = WebhookEvent.objects.filter(state=State.PENDING, next_attempt_at__lte=now).order_by(
            "next_attempt_at", "pk"
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        events = list(due[:limit])
        WebhookEvent.objects.filter(pk__in=[e.pk for e in events]).update(
            next_attempt_at=now + lease_for(limit), attempts=F("attempts") + 1
        )
    for event in events:
        event.attempts += 1
    return events


def _send(session, event: WebhookEvent, secrets: list[str]) -> tuple[bool, int | None, str]:
    try:
        check_target(event.url)
    except ValueError as exc:  # UnsafeTarget, or anything else malformed: this event fails, the batch goes on
        return False, None, str(exc)[:1000]
    body = body_of(event.payload)
    headers = sign_headers(secrets_=secrets, event_id=event.event_id, timestamp=timezone.now(), body=body)
    try:
        response = session.post(
            event.url, data=body, headers=headers, timeout=settings.WEBHOOKS_TIMEOUT_SECONDS, allow_redirects=False
        )
    except Exception as exc:  # any network error is a failed attempt, retried with backoff
        return False, None, f"{type(exc).__name__}: {exc}"[:1000]
    ok = 200 <= response.status_code < 300
    return ok, response.status_code, "" if ok else f"HTTP {response.status_code}"


def _record(
    events: list[WebhookEvent],
    results: dict[int, tuple[bool, int | None, str]],
    found: Relayed,
    give_up: frozenset[int] | set[int] = frozenset(),
) -> None:
    """Write a batch's results: one UPDATE per outcome (delivered, each kind of error), not one
    per event, so the bookkeeping stays small beside the sending."""
    now = timezone.now()
    delivered: list[WebhookEvent] = []
    failed: list[WebhookEvent] = []
    retrying: dict[tuple[int | None, str, int], list[int]] = {}
    for event in events:
        ok, status, error = results[event.pk]
        event.last_status, event.last_error = status, error
        if ok:
            event.state, event.delivered_at, event.payload = State.DELIVERED, now, {}
            delivered.append(event)
        elif event.attempts >= settings.WEBHOOKS_MAX_ATTEMPTS or event.pk in give_up:
            event.state, event.payload = State.FAILED, {}
            failed.append(event)
        else:
            retrying.setdefault((status, error, event.attempts), []).append(event.pk)
            found.errors.append(f"{event.event_id}: {error}")
    with transaction.atomic():
        # Only events still ours: pending, with the attempt count our claim gave them. Another
        # relay that claimed them after our lease ran out (or already recorded them) owns them.
        current = dict(
            WebhookEvent.objects.select_for_update()
            .filter(pk__in=[e.pk for e in events], state=State.PENDING)
            .values_list("pk", "attempts")
        )
        mine = {e.pk for e in events if current.get(e.pk) == e.attempts}
        delivered = [e for e in delivered if e.pk in mine]
        failed = [e for e in failed if e.pk in mine]
        retrying = {key: [pk for pk in ids if pk in mine] for key, ids in retrying.items()}
        by_status: dict[int | None, list[int]] = {}
        for event in delivered:
            by_status.setdefault(event.last_status, []).append(event.pk)
        for status, ids in by_status.items():
            WebhookEvent.objects.filter(pk__in=ids).update(
                state=State.DELIVERED, delivered_at=now, payload={}, last_status=status, last_error=""
            )
        for (status, error, attempts), ids in retrying.items():
            WebhookEvent.objects.filter(pk__in=ids).update(
                next_attempt_at=now + backoff(attempts), last_status=status, last_error=error
            )
        for event in failed:
            WebhookEvent.objects.filter(pk=event.pk).update(
                state=State.FAILED, payload={}, last_status=event.last_status, last_error=event.last_error
            )
        by_kind: dict[str, list[WebhookEvent]] = {}
        for event in delivered:
            by_kind.setdefault(event.endpoint, []).append(event)
        for kind, kind_events in by_kind.items():
            hook = _ENDPOINTS[kind].delivered if kind in _ENDPOINTS else None
            if hook is not None:
                hook(kind_events)
        for event in failed:
            gave_up = _ENDPOINTS[event.endpoint].gave_up if event.endpoint in _ENDPOINTS else None
            if gave_up is not None:
                gave_up(event)
    found.delivered += len(delivered)
    found.retrying += sum(len(ids) for ids in retrying.values())
    found.failed += len(failed)


def webhooks_relay(*, batch_size: int = BATCH_SIZE, budget_seconds: float = 50.0, session=None) -> Relayed:
    """Send every due event, batch by batch, until none is due or the time budget is spent."""
    from apps.core.webhooks.transport import webhook_session

    found = Relayed()
    own_session = session is None
    # Its connections refuse a private peer, whatever the name resolves to at connect time.
    session = session or webhook_session()
    started = time.monotonic()
    try:
        while time.monotonic() - started < budget_seconds:
            claimed_at = time.monotonic()
            events = _claim(batch_size, timezone.now())
            if not events:
                break
            # Stop sending while a worst-case send still ends inside the lease; the rest stay
            # claimed and go out after it, with this attempt counted (it was not made).
            last_start = (lease_for(batch_size) - send_worst_case() - LEASE_MARGIN / 2).total_seconds()
            secrets: dict[tuple[str, str], list[str]] = {}
            refusals: dict[tuple[str, str, str], str] = {}
            results: dict[int, tuple[bool, int | None, str]] = {}
            give_up: set[int] = set()
            for event in events:
                if time.monotonic() - claimed_at > last_start:
                    break
                kind = _ENDPOINTS.get(event.endpoint)
                if kind is not None and kind.refusal is not None:
                    asked = (event.endpoint, event.endpoint_id, event.event_type)
                    if asked not in refusals:
                        refusals[asked] = kind.refusal(event.endpoint_id, event.event_type)
                    if refusals[asked]:
                        results[event.pk] = (False, None, refusals[asked][:1000])
                        give_up.add(event.pk)
                        continue
                key = (event.endpoint, event.endpoint_id)
                if key not in secrets:
                    secrets[key] = kind.secrets(event.endpoint_id) if kind is not None else []
                if not secrets[key]:
                    results[event.pk] = (False, None, "The endpoint has no live secret (or is not registered).")
                    continue
                results[event.pk] = _send(session, event, secrets[key])
            _record([e for e in events if e.pk in results], results, found, give_up)
    finally:
        if own_session:
            session.close()
    return found
