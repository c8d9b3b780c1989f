"""A system's webhook secrets: made, shown once, rotated with an overlap."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.webhooks import new_secret, secret_encrypt
from apps.disclosures.models import Recipient
from apps.systems.models import SystemSecret

# How long the old secret keeps verifying after a rotation: time for the system to switch.
ROTATION_OVERLAP = timedelta(days=7)


@transaction.atomic
def system_secret_rotate(
    *, system: Recipient, actor: User | None, overlap: timedelta = ROTATION_OVERLAP
) -> tuple[SystemSecret, str]:
    """Make a new secret for ``system`` and return it with its plain text, the only time it is
    ever readable outside the signing code. Secrets still live retire after ``overlap``."""
    if system.connector != Recipient.Connector.WEBHOOK:
        raise ValidationError(_("Only a system told by webhook has a secret."))
    now = timezone.now()
    current = SystemSecret.objects.select_for_update().filter(system=system)
    for secret in current:
        if secret.retires_at is None or secret.retires_at > now + overlap:
            secret.retires_at = now + overlap
            secret.save(update_fields=["retires_at", "updated_at"])
    plain = new_secret()
    made = SystemSecret.objects.create(system=system, encrypted=secret_encrypt(plain), created_by=actor)
    return made, plain
