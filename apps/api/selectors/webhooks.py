"""Webhooks: who is owed an event, the secrets that sign it, how deliveries went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q
from django.utils import timezone

from apps.api.domain import (
    WEBHOOK_ENDPOINT,
    event_allowed,
)
from apps.api.models import ApiFiledRequest, WebhookSubscription
from apps.core.models import WebhookEvent
from apps.core.webhooks import plain_secrets
from apps.subject_requests.models import SubjectRequest

# --- Webhooks: who is owed an event, the secrets that sign it, how deliveries went -------------


def subscriptions_for(event_type: str, *, filed: SubjectRequest | None = None) -> list[WebhookSubscription]:
    """The active subscriptions to ``event_type`` of live clients whose scopes allow it; with
    ``filed`` (a request), only those of the clients that filed it. One query: subscriptions are
    few, and the event types (a JSON list) are matched here, the same on SQLite and PostgreSQL."""
    now = timezone.now()
    found = WebhookSubscription.objects.filter(active=True, client__revoked_at__isnull=True).filter(
        Q(client__expires_at__isnull=True) | Q(client__expires_at__gt=now)
    )
    if filed is not None:
        found = found.filter(client__in=ApiFiledRequest.objects.filter(subject_request=filed).values("client_id"))
    return [
        s
        for s in found.select_related("client").order_by("pk")
        if event_type in (s.event_types or []) and event_allowed(event_type, s.client.scopes)
    ]


def subscription_secrets_for(subscription_id: str) -> list[str]:
    """The secrets a subscription's events are signed with (the outbox's Endpoint): none once the
    subscription is inactive or its client revoked or expired, so the relay sends nothing more."""
    subscription = WebhookSubscription.objects.select_related("client").filter(pk=int(subscription_id)).first()
    if subscription is None or not subscription.active or not subscription.client.is_live():
        return []
    return plain_secrets(subscription.secrets.all())


def subscription_refusal(subscription_id: str, event_type: str) -> str:
    """Why an owed event may no longer go to this subscription (the outbox's Endpoint, asked at
    send time), empty when it may: a scope taken away, an event unticked, the subscription made
    inactive, the client revoked or expired since the event was written. The relay gives such an
    event up at once, so extending an expired client later does not deliver a stale backlog."""
    subscription = WebhookSubscription.objects.select_related("client").filter(pk=int(subscription_id)).first()
    if subscription is None or not subscription.active:
        return "The subscription is gone or inactive."
    client = subscription.client
    if client.revoked_at is not None:
        return "The client was revoked."
    if not client.is_live():
        return "The client has expired."
    if event_type not in (subscription.event_types or []) or not event_allowed(event_type, client.scopes):
        return "The subscription or the client's scopes no longer allow this event."
    return ""


@dataclass(frozen=True)
class Delivery:
    """How a subscription's events are going, for the admin."""

    last_delivered_at: datetime | None = None
    pending: int = 0
    failing: int = 0  # pending after a failed attempt: the receiver is down or refusing
    given_up: int = 0
    last_error: str = ""


def deliveries_of(subscription_ids: list[int]) -> dict[int, Delivery]:
    """Per subscription, from the outbox: two grouped queries for any number of subscriptions."""
    events = WebhookEvent.objects.filter(endpoint=WEBHOOK_ENDPOINT, endpoint_id__in=[str(i) for i in subscription_ids])
    State = WebhookEvent.State
    rows = events.values("endpoint_id").annotate(
        last_delivered_at=Max("delivered_at", filter=Q(state=State.DELIVERED)),
        pending=Count("pk", filter=Q(state=State.PENDING)),
        failing=Count("pk", filter=Q(state=State.PENDING, attempts__gt=0) & ~Q(last_error="")),
        given_up=Count("pk", filter=Q(state=State.FAILED)),
    )
    errors: dict[str, str] = {}
    for endpoint_id, error in (
        events.exclude(last_error="")
        .order_by("endpoint_id", "-updated_at", "-pk")
        .values_list("endpoint_id", "last_error")
    ):
        errors.setdefault(endpoint_id, error)
    return {
        int(row["endpoint_id"]): Delivery(
            last_delivered_at=row["last_delivered_at"],
            pending=row["pending"],
            failing=row["failing"],
            given_up=row["given_up"],
            last_error=errors.get(row["endpoint_id"], ""),
        )
        for row in rows
    }
