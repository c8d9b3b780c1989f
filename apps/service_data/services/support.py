"""Writes of the customer's conversations with support: an email or a call's notes, as they happen."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.core.actors import SystemActor, record_actor
from apps.service_data.models import SupportCommunication


@transaction.atomic
def support_communication_record(
    *,
    customer: User,
    channel: str,
    direction: str,
    subject_line: str,
    body: str,
    actor: User | SystemActor,
    occurred_at: datetime | None = None,
) -> SupportCommunication:
    """Note one email or call between ``customer`` and support; a staff actor is kept as its author."""
    communication = SupportCommunication(
        customer=customer,
        channel=channel,
        direction=direction,
        subject_line=(subject_line or "").strip(),
        body=(body or "").strip(),
        occurred_at=occurred_at or timezone.now(),
        staff=actor if isinstance(actor, User) and actor.is_staff else None,
    )
    communication.full_clean(exclude=["customer", "staff"])
    record_actor(communication, actor=actor, reason="support communication noted")
    communication.save()
    return communication
