"""How the customer uses the service: location, product configuration, feature usage and calls.

Usage is activity: recording it keeps the account from counting as abandoned (P-43).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimestampedModel


class LocationRecord(models.Model):
    """Where the customer's device was, when they allowed location (optional, P-38)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="locations")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    accuracy_m = models.PositiveIntegerField(_("accuracy (metres)"), null=True, blank=True)

    class Meta:
        verbose_name = _("location record")
        verbose_name_plural = _("location records")
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["owner", "-recorded_at"])]

    def __str__(self) -> str:
        return f"{self.latitude}, {self.longitude}"


class ProductConfiguration(TimestampedModel):
    """The customer's settings in the product (one row per customer)."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="product_configuration"
    )
    settings = models.JSONField(_("settings"), default=dict, blank=True)

    class Meta:
        verbose_name = _("product configuration")
        verbose_name_plural = _("product configurations")

    def __str__(self) -> str:
        return str(_("Product configuration"))


class UsageEvent(models.Model):
    """One use of a feature (the product's usage log)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="usage_events")
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    feature = models.CharField(_("feature"), max_length=64)
    action = models.CharField(_("action"), max_length=64)

    class Meta:
        verbose_name = _("usage event")
        verbose_name_plural = _("usage events")
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["owner", "-occurred_at"]), models.Index(fields=["occurred_at"])]

    def __str__(self) -> str:
        return f"{self.feature}: {self.action}"


class CallRecord(models.Model):
    """One call made in the service: when, how long, what it cost. No audio is kept."""

    class Direction(models.TextChoices):
        OUTGOING = "outgoing", _("Outgoing")
        INCOMING = "incoming", _("Incoming")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calls")
    started_at = models.DateTimeField(_("started"))
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    other_party = models.CharField(_("other party's number"), max_length=32)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"))
    cost = models.DecimalField(_("cost"), max_digits=10, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3, default="USD")

    class Meta:
        verbose_name = _("call record")
        verbose_name_plural = _("call records")
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["owner", "-started_at"]),
            models.Index(fields=["started_at"]),
            # A customer's calls in key order: erasure and the purge go through them in keyset
            # batches (id > last, up to a bound), which without it sort every remaining call.
            models.Index(fields=["owner", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.duration_seconds} s)"
