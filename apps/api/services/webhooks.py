"""Clients' webhooks: subscriptions (made by officers in the admin, their secrets shown once and
rotated with an overlap) and the events they are owed.

The events are written by listeners that run inside the transaction of the change they announce
(a consent choice, an account closed or opened again: apps.api.signals; an account closed by the
erasure engine: personal_data's closure hook; a request's status: subject_requests' registry), into the
core outbox (apps/core/webhooks/): a change that rolls back announces nothing, one that commits
is relayed by the worker, signed per Standard Webhooks, retried with backoff, and never owes a
subscription two events (the dedupe key names the change and the subscription).

What an event says is no more than its reader could ask the API for (domain.EVENT_SCOPES): the
person by account reference only, never an address or a name.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.api.domain import WEBHOOK_ENDPOINT, EventType
from apps.api.models import SubscriptionSecret, WebhookSubscription
from apps.api.selectors import consent_reason_for, subscriptions_for
from apps.consent.models import ConsentEvent, ProcessingRestriction, Purpose, Suppression
from apps.core.actors import record_actor
from apps.core.models import WebhookEvent
from apps.core.webhooks import (
    ROTATION_OVERLAP,
    secret_rotate,
    webhook_enqueue_many,
    webhooks_drop,
    webhooks_retarget,
)
from apps.subject_requests.models import SubjectRequest

# --- Subscriptions ---------------------------------------------------------------------------


def _save(subscription: WebhookSubscription, *, actor: User, reason: str) -> WebhookSubscription:
    subscription.full_clean()  # the address (check_target) and the events the client's scopes allow
    record_actor(subscription, actor=actor, reason=reason)
    subscription.save()
    return subscription


@transaction.atomic
def webhook_subscription_create(*, subscription: WebhookSubscription, actor: User) -> tuple[WebhookSubscription, str]:
    """Save a new subscription and make its first secret; returns (subscription, secret shown once)."""
    subscription.created_by = actor
    _made, plain = webhook_subscription_secret_rotate(
        subscription=_save(subscription, actor=actor, reason="Webhook subscription created"), actor=actor
    )
    return subscription, plain


@transaction.atomic
def webhook_subscription_change(*, subscription: WebhookSubscription, actor: User) -> WebhookSubscription:
    """Save an officer's change; a subscription made inactive is owed nothing more, events
    unticked are given up, and what is still owed goes to the new URL."""
    _save(subscription, actor=actor, reason="Webhook subscription changed")
    if not subscription.active:
        webhooks_drop(
            endpoint=WEBHOOK_ENDPOINT, endpoint_ids=[subscription.pk], reason="The subscription was made inactive."
        )
        return subscription
    unticked = sorted(set(EventType.values) - set(subscription.event_types or []))
    webhooks_drop(
        endpoint=WEBHOOK_ENDPOINT,
        endpoint_ids=[subscription.pk],
        event_types=unticked,
        reason="The subscription no longer asks for this event.",
    )
    webhooks_retarget(endpoint=WEBHOOK_ENDPOINT, endpoint_id=subscription.pk, url=subscription.url)
    return subscription


@transaction.atomic
def webhook_subscription_secret_rotate(
    *, subscription: WebhookSubscription, actor: User | None, overlap: timedelta = ROTATION_OVERLAP
) -> tuple[SubscriptionSecret, str]:
    """A new secret for ``subscription`` (its plain text returned this once); the live ones keep
    signing every event beside it for ``overlap``, so the client can switch without a gap."""
    if subscription.client.revoked_at is not None:
        raise ValidationError(_("A revoked client gets no new secret."))

    def make(encrypted: str) -> SubscriptionSecret:
        return SubscriptionSecret.objects.create(subscription=subscription, encrypted=encrypted, created_by=actor)

    return secret_rotate(existing=subscription.secrets.all(), make=make, overlap=overlap)


# --- Events ----------------------------------------------------------------------------------


def _owe(subscriptions: list[WebhookSubscription], *, event_type: str, change: str, data: dict) -> list[WebhookEvent]:
    return webhook_enqueue_many(
        [
            {
                "endpoint": WEBHOOK_ENDPOINT,
                "endpoint_id": subscription.pk,
                "url": subscription.url,
                "event_type": event_type,
                "data": data,
                "dedupe_key": f"api:{subscription.pk}:{change}"[:200],
            }
            for subscription in subscriptions
        ]
    )


def _consent_announce(
    *,
    subjects: list[User],
    purposes: list[Purpose],
    change: str,
    choice: ConsentEvent | None = None,
    subscriptions: list[WebhookSubscription] | None = None,
) -> list[WebhookEvent]:
    """``consent.changed`` for each account and purpose: what a consent check would answer at
    this moment (allowed, reason), never how the answer came about: whether the person used a
    right, an officer acted or an import ran is not the clients' to learn from the events."""
    if not subjects or not purposes:
        return []
    if subscriptions is None:
        subscriptions = subscriptions_for(EventType.CONSENT_CHANGED)
    if not subscriptions:
        return []
    changed_at = timezone.now().isoformat()
    owed: list[WebhookEvent] = []
    for subject in subjects:
        for purpose in purposes:
            reason = consent_reason_for(subject=subject, purpose=purpose, choice=choice)
            data = {
                "account": str(subject.reference),
                "purpose": purpose.code,
                "channel": purpose.channel or "",
                "allowed": reason == "allowed",
                "reason": reason,
                "changed_at": changed_at,
            }
            owed += _owe(
                subscriptions,
                event_type=EventType.CONSENT_CHANGED,
                change=f"{change}:{subject.reference}:{purpose.code}",
                data=data,
            )
    return owed


def consent_event_announce(*, event: ConsentEvent) -> list[WebhookEvent]:
    """A recorded choice, to every live subscription whose client may check consent.

    A choice made before sign-in (a consent-cookie visitor) names no account, and the cookie's id
    is not the clients' to know: it is announced when the choice is carried to an account.
    """
    if event.subject is None:
        return []
    return _consent_announce(
        subjects=[event.subject], purposes=[event.purpose], change=f"consent:{event.reference}", choice=event
    )


def suppression_announce(*, suppression: Suppression, added: bool) -> list[WebhookEvent]:
    """An address put on (or taken off) the suppression list changes the check's answer for the
    account with that address, for the purpose named or every purpose on the channel."""
    subscriptions = subscriptions_for(EventType.CONSENT_CHANGED)
    if not subscriptions:  # the common case: one query, nothing more
        return []
    purposes = Purpose.objects.filter(channel=suppression.channel, is_active=True).order_by("code")
    if suppression.purpose_code:
        purposes = purposes.filter(code=suppression.purpose_code)
    subjects = list(User.objects.filter(email_hash=suppression.address_hash).order_by("pk"))
    # The row's id and what happened name the change: added once, removed once.
    change = f"suppression:{suppression.pk}:{'added' if added else 'removed'}"
    purposes_touched = list(purposes) if subjects else []
    return _consent_announce(subjects=subjects, purposes=purposes_touched, change=change, subscriptions=subscriptions)


def restriction_announce(
    *, restriction: ProcessingRestriction, step: str, also: frozenset[int] = frozenset()
) -> list[WebhookEvent]:
    """A restriction placed, narrowed to purposes, or lifted: the check's answer for each purpose
    it covers (none chosen: every active purpose), and those in ``also`` (purposes just taken off it).

    restriction_place saves the row and then attaches its purposes, in one transaction: the
    first announcement (on the save) covers every purpose, and the one on attaching them takes
    its place, so what commits is only what the restriction really covers."""
    subscriptions = subscriptions_for(EventType.CONSENT_CHANGED)
    if not subscriptions:  # nothing was written for the placement either
        return []
    if step == "purposes":
        WebhookEvent.objects.filter(
            endpoint=WEBHOOK_ENDPOINT,
            state=WebhookEvent.State.PENDING,
            attempts=0,
            dedupe_key__contains=f":restriction:{restriction.reference}:placed:",
        ).delete()
    covered = list(restriction.purposes.filter(is_active=True).order_by("code"))
    purposes = covered or list(Purpose.objects.filter(is_active=True).order_by("code"))
    if also:
        purposes += list(Purpose.objects.filter(pk__in=also - {p.pk for p in purposes}, is_active=True))
    # A restriction's purposes can be changed more than once: each change is its own.
    change = f"restriction:{restriction.reference}:{step}"
    if step != "placed":
        change += f":{uuid.uuid4().hex[:12]}"
    return _consent_announce(
        subjects=[restriction.subject], purposes=purposes, change=change, subscriptions=subscriptions
    )


def account_state_announce(*, subject: User, step: str) -> list[WebhookEvent]:
    """An account closed (by the customer's deletion, an officer or the erasure engine) or opened
    again: what a check now answers for each active purpose (``account_closed`` while closed, the
    person's own answers once open again), so a client that mirrors consent stops at once.

    ``step`` names this closing or reopening; a step already owed to a subscription is not owed
    again (the relay may have sent it already, and webhook_enqueue_many refuses a second row).
    The callers announce only a change of the answer: an account closed by the customer and then
    erased was closed once, and the erasure says nothing more.

    The event names the account by its reference, as every consent.changed does. Erasure keeps
    the reference (the emptied row stays as the anchor of kept records) and it identifies no one
    without the portal, so announcing the erasure's closure tells the client nothing it did not
    hold already and asks it to stop using what it mirrored, which is what an erasure owes the
    recipients of the data (Art. 19)."""
    subscriptions = subscriptions_for(EventType.CONSENT_CHANGED)
    if not subscriptions:  # the common case: one query, nothing more
        return []
    # The account in the change itself, so "already owed" is asked of this account only: two
    # accounts closed in the same instant share a step.
    change = f"account:{subject.reference}:{step}"
    owed_already = Q(pk__in=[])
    for subscription in subscriptions:
        owed_already |= Q(dedupe_key__startswith=f"api:{subscription.pk}:{change}:")
    told = set(
        WebhookEvent.objects.filter(owed_already, endpoint=WEBHOOK_ENDPOINT).values_list("endpoint_id", flat=True)
    )
    subscriptions = [s for s in subscriptions if str(s.pk) not in told]
    purposes = list(Purpose.objects.filter(is_active=True).order_by("code"))
    return _consent_announce(subjects=[subject], purposes=purposes, change=change, subscriptions=subscriptions)


def account_erasure_announce(subject_id: int, was_active: bool, erasure: str) -> None:
    """The erasure engine closed an account (personal_data's closure hook): announced only if
    it was open until now. One closed by its owner beforehand (the deletion's grace period) was
    announced then, and the check's answer does not change."""
    subject = User._base_manager.filter(pk=subject_id).first()
    if subject is None or not was_active or subject.status != User.Status.ACTIVE:
        return
    account_state_announce(subject=subject, step=f"closed:erasure:{erasure}")


def request_status_announce(request: SubjectRequest, from_status: str) -> None:
    """``request.status_changed`` to the client that filed ``request``, if it subscribed and may
    read requests (the subject_requests status listener)."""
    subscriptions = subscriptions_for(EventType.REQUEST_STATUS_CHANGED, filed=request)
    if not subscriptions:
        return
    deadline = request.extended_to or request.due_at
    data = {
        "request": str(request.reference),
        "request_type": request.request_type,
        "status": request.status,
        "previous_status": from_status,
        "changed_at": request.updated_at.isoformat(),
        "due_at": deadline.isoformat() if deadline else None,
        "closed_at": request.closed_at.isoformat() if request.closed_at else None,
    }
    # The save's time and the new status name the change: a request that goes back and forth
    # (in progress → awaiting approval → in progress) owes one event per move, never two for one.
    change = f"request:{request.reference}:{request.updated_at.isoformat()}:{request.status}"
    _owe(subscriptions, event_type=EventType.REQUEST_STATUS_CHANGED, change=change, data=data)
