"""Consent choices reach the clients' webhooks: a ConsentEvent is only ever created (the ledger
is append-only) by apps.consent.services.ledger.consent_record, inside its transaction, so its
post_save fires there and the outbox rows commit or roll back with the choice. A receiver here,
not a call from consent: apps.consent sits below the API and may not import it."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.api.services import consent_event_announce
from apps.consent.models import ConsentEvent


@receiver(post_save, sender=ConsentEvent, dispatch_uid="api.consent_event_announce")
def announce_consent_event(sender, instance: ConsentEvent, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        consent_event_announce(event=instance)
