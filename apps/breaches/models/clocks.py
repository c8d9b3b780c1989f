"""Each law's breach-notification clocks as dated rules, and each breach's running clocks."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.breaches.domain import Risk
from apps.breaches.models.register import Breach
from apps.core.models import TimestampedModel


class Recipient(models.TextChoices):
    AUTHORITY = "authority", _("Supervisory authority")
    PEOPLE = "people", _("The people affected")
    ATTORNEY_GENERAL = "attorney_general", _("Attorney General (a sample of the people's notice)")


class ClockStart(models.TextChoices):
    AWARENESS = "awareness", _("When the company became aware")
    PEOPLE_NOTIFIED = "people_notified", _("When the people were notified")


class ClockRule(TimestampedModel):
    """One law's clock for one recipient, in force from ``effective_from`` (like request deadline
    rules: a new law is a new version with its date). A breach is counted under the version in
    force on the day the company became aware of it. Seeded; verify with counsel."""

    jurisdiction = models.ForeignKey(
        "subject_requests.Jurisdiction", on_delete=models.PROTECT, related_name="breach_rules"
    )
    recipient = models.CharField(_("who is notified"), max_length=16, choices=Recipient.choices)
    effective_from = models.DateField(_("in force from"))
    source = models.CharField(_("source"), max_length=200)
    hours = models.PositiveIntegerField(
        _("hours"), null=True, blank=True, help_text=_("Empty: no fixed period (without undue delay).")
    )
    starts = models.CharField(
        _("counted from"), max_length=16, choices=ClockStart.choices, default=ClockStart.AWARENESS
    )
    minimum_risk = models.CharField(_("required from this risk"), max_length=8, choices=Risk.choices, default=Risk.RISK)
    minimum_people = models.PositiveIntegerField(_("required from this many people in the jurisdiction"), default=1)
    phased = models.BooleanField(_("may be given in phases"), default=False)
    delay_reason_required = models.BooleanField(_("a late notification must give the reasons"), default=True)
    reminder_hours = models.JSONField(
        _("remind when this many hours are left"), default=list, blank=True, help_text=_("e.g. [48, 24, 6, 1]")
    )
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("breach clock rule")
        verbose_name_plural = _("breach clock rules")
        ordering = ["jurisdiction__code", "recipient", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "recipient", "effective_from"], name="breach_clock_rule_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction.code} → {self.get_recipient_display()} ({self.source})"

    def clean(self) -> None:
        super().clean()
        hours = self.reminder_hours
        if not isinstance(hours, list) or not all(type(h) is int and h > 0 for h in hours):
            raise ValidationError({"reminder_hours": _("Give a list of whole hours, e.g. [48, 24, 6, 1].")})
        if self.hours is None and hours:
            raise ValidationError({"reminder_hours": _("A clock with no fixed period has no reminders.")})

    @classmethod
    def in_force(cls, rules: list[ClockRule], day: date) -> list[ClockRule]:
        """Per jurisdiction and recipient, the version in force on ``day`` (the earliest before all)."""
        chosen: dict[tuple[int, str], ClockRule] = {}
        for rule in sorted(rules, key=lambda r: r.effective_from):
            key = (rule.jurisdiction_id, rule.recipient)
            if key not in chosen or rule.effective_from <= day:
                chosen[key] = rule
        return list(chosen.values())


class BreachClock(TimestampedModel):
    """One notification a breach owes, under one rule: when it is due, and when it was made."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        MET = "met", _("Notified in time")
        LATE = "late", _("Notified late")
        NOT_REQUIRED = "not_required", _("Not required")

    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="clocks")
    rule = models.ForeignKey(ClockRule, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RUNNING)
    starts_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    delay_reason = models.TextField(_("reasons for the delay"), blank=True)
    reminders_sent = models.JSONField(default=list, blank=True)
    overdue_reminded = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("breach clock")
        verbose_name_plural = _("breach clocks")
        ordering = ["due_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["breach", "rule"], name="breach_clock_once_per_rule")]

    def __str__(self) -> str:
        return f"{self.breach_id}: {self.rule}"

    @property
    def reason_owed(self) -> bool:
        """Made late without the reasons the law asks for: a people's notice that finished after
        its deadline is recorded as it happened, and the officer gives the reasons afterwards."""
        return self.status == self.Status.LATE and self.rule.delay_reason_required and not self.delay_reason.strip()
