"""Reads for marketing: campaign audiences."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from apps.accounts.models import User
from apps.consent.models import Purpose, Suppression
from apps.consent.selectors.ledger import restricted_for, suppressions_of


def _suppressed(purpose: Purpose) -> Exists:
    return Exists(Suppression.objects.filter(suppressions_of(purpose), address_hash=OuterRef("email_hash")))


def campaign_audience(purpose: Purpose) -> QuerySet[User]:
    """Everyone we may contact for ``purpose``: consenting, active, not restricted, not suppressed.

    One query; stream it with .iterator() for flat memory.
    """
    audience = User.objects.filter(
        is_active=True,
        status=User.Status.ACTIVE,
        consent_states__purpose=purpose,
        consent_states__granted=True,
    )
    audience = audience.exclude(restricted_for([purpose.pk]))
    if purpose.channel:
        audience = audience.exclude(_suppressed(purpose))
    return audience.order_by("pk")
