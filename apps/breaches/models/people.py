"""The people a breach affected: a frozen, countable set found through the personal-data registry."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.breaches.models.register import Breach


class AffectedSet(models.Model):
    """Who was affected, frozen when found: the query that found them, their number, and counts by
    jurisdiction and language. The counts outlive every person's erasure."""

    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="affected_sets")
    query = models.JSONField(_("how they were found"))
    total = models.PositiveIntegerField(_("people"))
    by_jurisdiction = models.JSONField(_("by jurisdiction"), default=dict)
    by_language = models.JSONField(_("by language"), default=dict)
    frozen_at = models.DateTimeField(_("frozen at"), default=timezone.now)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    frozen_by_label = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("set of people affected")
        verbose_name_plural = _("sets of people affected")
        ordering = ["-frozen_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.breach_id}: {self.total}"


class AffectedPerson(models.Model):
    """One person in a frozen set. ``subject`` is cleared by erasure; the keyed reference stays, so
    the breach record holds who was affected without holding who they are."""

    affected_set = models.ForeignKey(AffectedSet, on_delete=models.CASCADE, related_name="people")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject_reference = models.CharField(max_length=64, db_index=True)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=16, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    notified_language = models.CharField(_("notified in"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("person affected")
        verbose_name_plural = _("people affected")
        constraints = [
            models.UniqueConstraint(fields=["affected_set", "subject_reference"], name="breach_person_once_per_set")
        ]
        indexes = [models.Index(fields=["affected_set", "subject"], name="breach_person_set_subject")]

    def __str__(self) -> str:
        return f"{self.affected_set_id}: {self.subject_reference[:12]}"
