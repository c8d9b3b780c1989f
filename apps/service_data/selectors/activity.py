"""Reads of how the customer uses the service: location, product settings, feature usage, calls."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.service_data.models import (
    CallRecord,
    LocationRecord,
    OptionalKindRefusal,
    ProductConfiguration,
    UsageEvent,
)


def kind_refused(*, owner: User, kind: str) -> bool:
    """Whether the customer refused this optional kind (P-38); the refusal row is the record."""
    return OptionalKindRefusal.objects.filter(subject=owner, kind=kind).exists()


def locations_for_owner(*, owner: User) -> QuerySet[LocationRecord]:
    return LocationRecord.objects.filter(owner=owner).order_by("-recorded_at", "-id")


def usage_for_owner(*, owner: User) -> QuerySet[UsageEvent]:
    return UsageEvent.objects.filter(owner=owner).order_by("-occurred_at", "-id")


def calls_for_owner(*, owner: User) -> QuerySet[CallRecord]:
    return CallRecord.objects.filter(owner=owner).order_by("-started_at", "-id")


def product_configuration_get(*, owner: User) -> dict:
    """The customer's product settings ({} before they change any)."""
    configuration = ProductConfiguration.objects.filter(owner=owner).only("settings").first()
    return dict(configuration.settings) if configuration else {}
