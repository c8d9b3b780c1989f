"""Emails and call notes between the customer and the company's support team."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import ReferencedModel


class SupportCommunication(ReferencedModel):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone call (notes)")

    class Direction(models.TextChoices):
        FROM_CUSTOMER = "from_customer", _("From the customer")
        TO_CUSTOMER = "to_customer", _("To the customer")

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="support_communications"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    subject_line = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message or notes"))
    # The staff member who wrote or took it; kept when they leave (PROTECT would block that).
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("support communication")
        verbose_name_plural = _("support communications")
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["customer", "-occurred_at"])]

    def __str__(self) -> str:
        return self.subject_line
