"""Calendar entries the customer brings from Google (P-02) or adds themselves; optional (P-38)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import ReferencedModel, TimestampedModel


class CalendarEntry(ReferencedModel, TimestampedModel):
    """One event. Imported events carry Google's id so a second import updates, not duplicates;
    the access token used for the import is never stored (P-09)."""

    class Source(models.TextChoices):
        GOOGLE = "google", _("Google Calendar")
        MANUAL = "manual", _("Added in the service")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_entries")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    external_id = models.CharField(_("id at the source"), max_length=255, blank=True)
    title = models.CharField(_("title"), max_length=300)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    location = models.CharField(_("place"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar entry")
        verbose_name_plural = _("calendar entries")
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "source", "external_id"],
                condition=~models.Q(external_id=""),
                name="one_entry_per_source_event",
            )
        ]

    def __str__(self) -> str:
        return self.title
