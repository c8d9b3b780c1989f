"""What a consent check answers reaches the clients' webhooks (consent.changed), from receivers
here, not calls from consent: apps.consent sits below the API and may not import it.

Each change is written by an apps.consent.services.ledger service inside its transaction
(consent_record, suppression_add, restriction_place, restriction_lift are @transaction.atomic;
a suppression is removed by consent_record, when the person opts in again), so the receivers run
there and the outbox rows commit or roll back with the change:
- a choice: a ConsentEvent is only ever created (the ledger is append-only);
- the suppression list: a row added or removed;
- a restriction: placed (its row, then its purposes), its purposes changed, lifted.
An account closed is not announced (README, Webhooks: what is not announced)."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from apps.api.services import consent_event_announce, restriction_announce, suppression_announce
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
