"""Each law's deadlines, as dated rule versions (P-30)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import TimestampedModel
from apps.core.text import data_text
from apps.subject_requests.domain import ExtensionFrom, Period, Terms, Unit
from apps.subject_requests.models.types import RequestType

MAX_AMOUNT = 400  # no law gives more than about a year; larger numbers are typing mistakes


class JurisdictionQuerySet(models.QuerySet["Jurisdiction"]):
    def with_rules(self) -> JurisdictionQuerySet:
        """Those with at least one deadline rule: the only ones a request may be filed under (a
        jurisdiction an officer added is offered once its first rule is added)."""
        return self.filter(models.Exists(DeadlineRule.objects.filter(jurisdiction=models.OuterRef("pk"))))


class Jurisdiction(TimestampedModel):
    """One law for subject requests: its authority, calendar and time zone. Its deadlines are
    rule versions (``DeadlineRule``), each from the date it took effect. Seeded; verify with
    counsel before relying on them."""

    code = models.SlugField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    authority_name = models.CharField(_("supervisory authority"), max_length=200)
    # A name an officer gives (renaming a seeded jurisdiction, or adding one) is in no catalogue:
    # its Vietnamese is kept here, and a blank one falls back to the catalogue (the seeded names).
    name_vi = models.CharField(
        _("name in Vietnamese"),
        max_length=100,
        blank=True,
        help_text=_(
            "What people reading Vietnamese see. Leave blank to use the name above as translated with the portal."
        ),
    )
    authority_name_vi = models.CharField(
        _("supervisory authority in Vietnamese"),
        max_length=200,
        blank=True,
        help_text=_(
            "What people reading Vietnamese see. Leave blank to use the name above as translated with the portal."
        ),
    )
    authority_url = models.URLField(_("supervisory authority's website"), blank=True)
    calendar = models.CharField(
        _("working-day calendar"),
        max_length=16,
        help_text=_("Country code for bank holidays, with an optional subdivision: GB-ENG, IE, US-CA, VN."),
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    counsel_note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    objects = JurisdictionQuerySet.as_manager()

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name

    # In the reader's language: the row's own Vietnamese, else the catalogue's for a seeded name
    # (marked in services/install.py), else the name as typed.
    @property
    def display_name(self) -> str:
        return str(data_text(self.name, translations={"vi": self.name_vi}))

    @property
    def display_authority_name(self) -> str:
        return str(data_text(self.authority_name, translations={"vi": self.authority_name_vi}))

    def rule_on(self, day: date | None = None) -> DeadlineRule:
        """The rule version in force on ``day`` (today by default): the latest that took effect on
        or before it; a day before every version falls under the earliest."""
        from apps.core.clock import today_in

        day = day or today_in(self.timezone)
        # Read through the prefetch cache when there is one (lists of requests).
        rules = sorted(self.rules.all(), key=lambda rule: rule.effective_from)
        if not rules:
            # Requests are only filed under jurisdictions with a rule (``with_rules``), and rules
            # are neither deleted nor moved: reaching this is a programming error.
            raise DeadlineRule.DoesNotExist(f"No deadline rule for {self.code}")
        in_force = [rule for rule in rules if rule.effective_from <= day]
        return in_force[-1] if in_force else rules[0]

    def terms(self, request_type: str, received_at: datetime | None = None) -> Terms:
        """The terms for a request of ``request_type`` received at ``received_at`` (default now),
        under the rule in force on the day it was received where the law applies."""
        from zoneinfo import ZoneInfo

        day = received_at.astimezone(ZoneInfo(self.timezone)).date() if received_at else None
        return self.rule_on(day).terms(request_type, calendar=self.calendar, timezone=self.timezone)

    def clean(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        import holidays

        super().clean()
        country, _sep, subdivision = self.calendar.partition("-")
        try:
            holidays.country_holidays(country, subdiv=subdivision or None)
        except (NotImplementedError, KeyError):
            raise ValidationError({"calendar": _("The holidays library has no calendar by this code.")}) from None
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"timezone": _("Give an IANA time zone, e.g. Europe/London.")}) from None


class DeadlineRule(TimestampedModel):
    """One version of a law's deadlines, in force from ``effective_from`` until the next version.

    A request is counted under the version in force on the day it was received, so a new
    version (a new decree) is added with its date, never typed over the old one; officers edit
    them in the admin and every change is in the history.
    """

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="rules", verbose_name=_("jurisdiction")
    )
    effective_from = models.DateField(
        _("in force from"), help_text=_("Requests received on or after this day (where the law applies) use it.")
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        help_text=_("The law or regulation these terms come from, e.g. Decree 356/2025/ND-CP."),
    )
    acknowledge_amount = models.PositiveSmallIntegerField(_("acknowledge within"))
    acknowledge_unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices, default=Unit.WORKING_DAYS)
    respond_amount = models.PositiveSmallIntegerField(_("respond within"))
    respond_unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices, default=Unit.MONTHS)
    extension_amount = models.PositiveSmallIntegerField(_("extension"), default=0, help_text=_("0: no extension."))
    extension_unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices, default=Unit.MONTHS)
    extension_from = models.CharField(
        _("extension counted"), max_length=16, choices=ExtensionFrom.choices, default=ExtensionFrom.RECEIPT
    )
    roll_forward = models.BooleanField(
        _("a due date on a non-working day moves to the next working day"), default=False
    )
    pauses_clock = models.BooleanField(_("the clock stops while awaiting identity or clarification"), default=True)
    type_terms = models.JSONField(
        _("terms per request type"),
        default=dict,
        blank=True,
        help_text=_(
            'Overrides by type, e.g. {"withdrawal": {"respond": [15, "days"], "extension": [30, "days"]}}; '
            "the extension is counted as above (from receipt: the whole period, so longer than the response)."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["jurisdiction__code", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "effective_from"], name="deadline_rule_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} — {self.source} ({self.effective_from:%Y-%m-%d})"

    def terms(self, request_type: str, *, calendar: str, timezone: str) -> Terms:
        override = (self.type_terms or {}).get(request_type, {})
        respond = (
            Period(*override["respond"]) if "respond" in override else Period(self.respond_amount, self.respond_unit)
        )
        if "extension" in override:
            extension = Period(*override["extension"]) if override["extension"] else None
        else:
            extension = Period(self.extension_amount, self.extension_unit) if self.extension_amount else None
        return Terms(
            acknowledge=Period(self.acknowledge_amount, self.acknowledge_unit),
            respond=respond,
            extension=extension,
            extension_from=self.extension_from,
            roll_forward=self.roll_forward,
            pauses_clock=self.pauses_clock,
            calendar=calendar,
            timezone=timezone,
        )

    def clean(self) -> None:
        super().clean()
        for name in ("acknowledge_amount", "respond_amount", "extension_amount"):
            if (getattr(self, name) or 0) > MAX_AMOUNT:
                raise ValidationError({name: _("At most %(max)d.") % {"max": MAX_AMOUNT}})
        if not isinstance(self.type_terms, dict):
            raise ValidationError({"type_terms": _("Give an object keyed by request type.")})
        for request_type, override in self.type_terms.items():
            if request_type not in RequestType.values or not isinstance(override, dict):
                raise ValidationError({"type_terms": _("Unknown request type: %(type)s") % {"type": request_type}})
            for key, value in override.items():
                valid = key in ("respond", "extension") and (
                    (value is None and key == "extension")
                    or (
                        isinstance(value, list)
                        and len(value) == 2
                        and type(value[0]) is int  # not a bool
                        and 1 <= value[0] <= MAX_AMOUNT
                        and value[1] in Unit.values
                    )
                )
                if not valid:
                    raise ValidationError({"type_terms": _('Each term is [amount, unit], e.g. [15, "days"].')})
        self._check_extensions()

    def _check_extensions(self) -> None:
        """An extension must end after the first due date, for the rule and each type's terms."""
        from apps.subject_requests.domain import extension_ends_after_due

        amounts = (self.acknowledge_amount, self.respond_amount, self.extension_amount)
        units = (self.acknowledge_unit, self.respond_unit, self.extension_unit)
        if self.jurisdiction_id is None or None in amounts or not set(units) <= set(Unit.values):
            return  # the form says what is missing or wrong
        calendar, timezone = self.jurisdiction.calendar, self.jurisdiction.timezone
        if not extension_ends_after_due(self.terms("", calendar=calendar, timezone=timezone)):
            raise ValidationError(
                {
                    "extension_amount": _(
                        "The extension must end after the first due date: counted from receipt, it is the "
                        "whole period, so it must be longer than the time to respond."
                    )
                }
            )
        for request_type in self.type_terms:
            if not extension_ends_after_due(self.terms(request_type, calendar=calendar, timezone=timezone)):
                raise ValidationError(
                    {
                        "type_terms": _(
                            "For %(type)s the extension must end after the first due date: counted from "
                            "receipt, it must be longer than the time to respond."
                        )
                        % {"type": request_type}
                    }
                )
