"""A system's webhook secrets: made, shown once, rotated with an overlap (the rotation itself is
apps/core/webhooks/signing.py's, shared with the API's subscriptions)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.webhooks import ROTATION_OVERLAP, secret_rotate
from apps.disclosures.models import Recipient
from apps.systems.models import SystemSecret


@transaction.atomic
def system_secret_rotate(
    *, system: Recipient, actor: User | None, overlap: timedelta = ROTATION_OVERLAP
) -> tuple[SystemSecret, str]:
    """Make a new secret for ``system`` and return it with its plain text, the only time it is
    ever readable outside the signing code. Secrets still live retire after ``overlap``."""
    if system.connector != Recipient.Connector.WEBHOOK:
        raise ValidationError(_("Only a system told by webhook has a secret."))
    return secret_rotate(
        existing=SystemSecret.objects.filter(system=system),
        make=lambda encrypted: SystemSecret.objects.create(system=system, encrypted=encrypted, created_by=actor),
        overlap=overlap,
    )
