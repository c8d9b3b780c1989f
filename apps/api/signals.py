"""What a consent check answers reaches the clients' webhooks (consent.changed), from receivers
here, not calls from consent: apps.consent sits below the API and may not import it.

Each change is written by an apps.consent.services.ledger service inside its transaction
(consent_record, suppression_add, restriction_place, restriction_lift are @transaction.atomic;
a suppression is removed by consent_record, when the person opts in again), so the receivers run
there and the outbox rows commit or roll back with the change:
- a choice: a ConsentEvent is only ever created (the ledger is append-only);
- the suppression list: a row added or removed;
- a restriction: placed (its row, then its purposes), its purposes changed, lifted;
- an account closed or opened again by a save of the account (the customer's deletion and its
  cancelling, an officer's "active" switch): what it was is read just before the save, and only a
  change of the check's answer is announced. The erasure engine closes accounts with an UPDATE,
  which sends no signal: it calls personal_data's closure hook instead (apps.api.apps connects it).
A purpose made inactive is not announced (README, Webhooks: what is not announced)."""

from __future__ import annotations

import uuid

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from apps.accounts.models import User
from apps.api.services import (
    account_state_announce,
    consent_event_announce,
    restriction_announce,
    suppression_announce,
)
from apps.consent.models import ConsentEvent, ProcessingRestriction, Suppression


@receiver(post_save, sender=ConsentEvent, dispatch_uid="api.consent_event_announce")
def announce_consent_event(sender, instance: ConsentEvent, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        consent_event_announce(event=instance)


@receiver(post_save, sender=Suppression, dispatch_uid="api.suppression_added")
def announce_suppression_added(sender, instance: Suppression, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        suppression_announce(suppression=instance, added=True)


@receiver(post_delete, sender=Suppression, dispatch_uid="api.suppression_removed")
def announce_suppression_removed(sender, instance: Suppression, **kwargs) -> None:
    suppression_announce(suppression=instance, added=False)


@receiver(post_save, sender=ProcessingRestriction, dispatch_uid="api.restriction_changed")
def announce_restriction(sender, instance: ProcessingRestriction, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    if created:
        restriction_announce(restriction=instance, step="placed")
    elif instance.lifted_at is not None and "lifted_at" in (kwargs.get("update_fields") or ()):
        restriction_announce(restriction=instance, step="lifted")


@receiver(m2m_changed, sender=ProcessingRestriction.purposes.through, dispatch_uid="api.restriction_purposes")
def announce_restriction_purposes(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if reverse or action not in ("post_add", "post_remove", "post_clear"):
        return
    also = frozenset(pk_set or ()) if action == "post_remove" else frozenset()
    restriction_announce(restriction=instance, step="purposes", also=also)


# What a check reads of the account (selectors.consent: open means active and not closed); a save
# that names none of these fields leaves the answer as it was and costs nothing more.
ACCOUNT_STATE_FIELDS = frozenset({"is_active", "status"})
_BEFORE = "_api_account_state_before"


def _is_open(is_active: bool, status: str) -> bool:
    return bool(is_active) and status == User.Status.ACTIVE


@receiver(pre_save, sender=User, dispatch_uid="api.account_state_before")
def remember_account_state(sender, instance: User, raw: bool = False, update_fields=None, **kwargs) -> None:
    # First: what a save that failed after its pre_save left here must not meet a later save.
    instance.__dict__.pop(_BEFORE, None)
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not ACCOUNT_STATE_FIELDS.intersection(update_fields):
        return
    stored = User._base_manager.filter(pk=instance.pk).values_list("is_active", "status", "closed_at").first()
    setattr(instance, _BEFORE, stored)


@receiver(post_save, sender=User, dispatch_uid="api.account_state_after")
def announce_account_state(
    sender, instance: User, created: bool, raw: bool = False, update_fields=None, **kwargs
) -> None:
    stored = instance.__dict__.pop(_BEFORE, None)
    if created or raw or stored is None:
        return
    was_active, was_status, was_closed_at = stored
    # What the row holds now: a field this save did not write is still what was stored, whatever
    # the instance carries in memory.
    written = ACCOUNT_STATE_FIELDS if update_fields is None else ACCOUNT_STATE_FIELDS.intersection(update_fields)
    is_active = instance.is_active if "is_active" in written else was_active
    status = instance.status if "status" in written else was_status
    now_open = _is_open(is_active, status)
    if _is_open(was_active, was_status) == now_open:
        return
    # A closing is named by its time when it has one (the customer's deletion; cancelling it
    # reopens that closing), else it is its own step, like a restriction's later changes.
    closed_at = was_closed_at if now_open else instance.closed_at
    moment = closed_at.isoformat() if closed_at else uuid.uuid4().hex[:12]
    account_state_announce(subject=instance, step=f"{'reopened' if now_open else 'closed'}:{moment}")
