"""Retention rules, legal holds, account deletions and purge runs (P-32, P-40 to P-42).

A rule says how long one kind of data is kept and what happens after; the purge engine
(``apps/retention/purge/``) reads the enabled rules and carries them out through the
personal-data engine. Which rules it can carry out is decided in ``domain.py``
(``validate_rule``, called by ``RetentionRule.clean``). A legal hold on a subject keeps what
it covers out of every erasure and purge until it is released.
"""

from __future__ import annotations

from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.clock import organisation_time
from apps.core.models import ReferencedModel, TimestampedModel, WorkedByJobs, in_language
from apps.personal_data.registry import Category
from apps.retention.domain import RuleAction, RuleTrigger, validate_rule


class RetentionRule(TimestampedModel):
    # Trigger and Action are defined in domain.py, which decides with them how the purge
    # carries a rule out and which rules it can carry out.
    Trigger = RuleTrigger

    class Unit(models.TextChoices):
        HOURS = "hours", _("hours")
        DAYS = "days", _("days")
        MONTHS = "months", _("months")
        YEARS = "years", _("years")

    Action = RuleAction

    class LegalBasis(models.TextChoices):
        CONTRACT = "contract", _("contract")
        LEGAL_OBLIGATION = "legal_obligation", _("legal obligation")
        LEGITIMATE_INTEREST = "legitimate_interest", _("legitimate interest")
        CONSENT = "consent", _("consent")
        LEGAL_CLAIM = "legal_claim", _("legal claims")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    target = models.CharField(
        _("data it covers"),
        max_length=100,
        help_text=_("A model from the personal-data registry, e.g. accounts.LoginEvent."),
    )
    category = models.CharField(
        _("data category"),
        max_length=32,
        choices=Category.choices,
        help_text=_("What a legal hold must cover to keep this data back."),
    )
    trigger = models.CharField(_("trigger"), max_length=32, choices=Trigger.choices)
    period = models.PositiveIntegerField(_("period"))
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, default=Unit.MONTHS)
    age_field = models.CharField(
        _("age field"),
        max_length=100,
        blank=True,
        help_text=_("For 'record older than': the date field (an ORM path) the age is counted from."),
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    warning_days = models.CharField(
        _("warnings (days before)"),
        max_length=32,
        blank=True,
        help_text=_("For inactive accounts: when to warn by email, in days before the purge, e.g. '30,7'."),
    )
    legal_basis = models.CharField(_("legal basis"), max_length=32, choices=LegalBasis.choices)
    title_en = models.CharField(_("what is kept (English)"), max_length=120)
    title_vi = models.CharField(_("what is kept (Vietnamese)"), max_length=120)
    explanation_en = models.TextField(_("why and how long (English)"))
    explanation_vi = models.TextField(_("why and how long (Vietnamese)"))
    enabled = models.BooleanField(_("enabled"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.get_action_display()} after {self.period} {self.get_unit_display()}"

    def title(self, language: str | None = None) -> str:
        return in_language(self, "title", language)

    def explanation(self, language: str | None = None) -> str:
        return in_language(self, "explanation", language)

    @property
    def delta(self) -> relativedelta:
        return relativedelta(**{self.unit: self.period})

    def cutoff(self, now: datetime | None = None) -> datetime:
        """Data whose clock started before this moment is due.

        Months and years are counted on the organisation's calendar, never early: 12 months
        after 15 March 09:00 is 15 March 09:00. Where the end month lacks the start's day
        (5 years from 29 February 2028, a month from 31 January) the period ends with the
        last day of that month, as Regulation 1182/71 Art. 3(2)(c) counts: due from 00:00 on
        1 March, whatever the start's hour.
        """
        return organisation_time(now) - self.delta

    def warnings(self) -> list[int]:
        """Warning offsets in days, largest first (validated by clean())."""
        return sorted({int(part) for part in self.warning_days.split(",") if part.strip()}, reverse=True)

    def clean(self) -> None:
        super().clean()
        try:
            self.warnings()
        except ValueError:
            raise ValidationError({"warning_days": _("Give whole numbers of days separated by commas.")}) from None
        validate_rule(self)


class LegalHold(ReferencedModel, TimestampedModel):
    """Data of one subject that must be kept although a rule or a request says it should go (P-42)."""

    class Reason(models.TextChoices):
        UNPAID_DEBT = "unpaid_debt", _("Unpaid debt")
        LITIGATION = "litigation", _("Litigation")
        TAX_AUDIT = "tax_audit", _("Tax audit")
        REGULATOR = "regulator", _("Regulator's inquiry")

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="legal_holds", verbose_name=_("subject")
    )
    categories = models.JSONField(
        _("categories"),
        default=list,
        blank=True,
        help_text=_("The data categories held; none chosen holds all of the subject's data."),
    )
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    note = models.TextField(_("note"), blank=True, help_text=_("Case number or context; no copies of documents."))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("placed by")
    )
    review_on = models.DateField(_("review on"))
    review_reminded_on = models.DateField(null=True, blank=True, editable=False)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("released by"),
    )
    release_note = models.TextField(_("release note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(released_at__isnull=True, released_by__isnull=True)
                | models.Q(released_at__isnull=False, released_by__isnull=False),
                name="retention_hold_release_complete",
            )
        ]

    def __str__(self) -> str:
        return f"Hold {str(self.reference)[:8]} ({self.get_reason_display()})"

    @property
    def is_active(self) -> bool:
        return self.released_at is None

    def covers(self, category: str) -> bool:
        return not self.categories or str(category) in self.categories

    def clean(self) -> None:
        super().clean()
        known = set(Category.values)
        if not isinstance(self.categories, list) or any(c not in known for c in self.categories):
            raise ValidationError({"categories": _("Choose categories from the registry's list.")})


class AccountDeletion(ReferencedModel, TimestampedModel):
    """A customer's request to delete their account, carried out after a grace period (P-32).

    Signing in during the grace period cancels it; when it ends, the purge erases the
    account through the personal-data engine.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled for erasure")
        CANCELLED = "cancelled", _("Cancelled")
        ERASING = "erasing", _("Being erased")
        DONE = "done", _("Done")

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="account_deletions"
    )
    subject_reference = models.CharField(max_length=64, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    erase_after = models.DateTimeField(_("erase after"))
    language = models.CharField(max_length=8, default="en")
    notify_email = models.EmailField(
        blank=True, help_text="Where the 'done' email goes; blanked once it is sent (the account's address is gone)."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    erasure_reference = models.CharField(max_length=64, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["notify_email"])

    class Meta:
        verbose_name = _("account deletion")
        verbose_name_plural = _("account deletions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject"],
                condition=models.Q(status="scheduled"),
                name="retention_one_scheduled_deletion",
            )
        ]

    def __str__(self) -> str:
        return f"Deletion {str(self.reference)[:8]} ({self.status})"


class InactivityNotice(models.Model):
    """A warning sent to an inactive account before it is purged (P-40).

    ``inactive_since`` is the account's last activity when the warning went out: signing in
    moves it, so notices of an earlier spell of inactivity no longer count.
    """

    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(RetentionRule, on_delete=models.CASCADE, related_name="+")
    days_before = models.PositiveSmallIntegerField()
    inactive_since = models.DateTimeField()
    purge_on = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "rule", "days_before", "inactive_since"], name="retention_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"Inactivity warning, {self.days_before} days before {self.purge_on:%Y-%m-%d}"


class RetentionLock(models.Model):
    """One row: a purge run locks it while it starts or takes over a run, so two never overlap."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="retention_lock_single_row")]

    def __str__(self) -> str:
        return "Retention lock"


class PurgeRun(WorkedByJobs, ReferencedModel, TimestampedModel):
    JOB_KIND = "retention.purge"  # each run is a background job (apps/core/jobs/)

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        COMPLETED_WITH_ERRORS = "completed_with_errors", _("Completed with errors")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Daily schedule")
        COMMAND = "command", _("Command")
        ADMIN = "admin", _("Officer, in the admin")

    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.RUNNING)
    triggered_by = models.CharField(_("started by"), max_length=16, choices=Trigger.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    only_rule = models.CharField(_("only rule"), max_length=64, blank=True)
    as_of = models.DateTimeField(_("as of"), help_text=_("The moment the rules' periods are counted back from."))
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Per rule code: {"deleted": n, "anonymised": n, "erasures": n, "warned": n, "held_back": n,
    # "done": bool, "after": last key done, "errors": [...]}. Written in each batch's transaction,
    # so a run killed mid-batch resumes from the last committed batch.
    progress = models.JSONField(_("progress"), default=dict, blank=True)

    class Meta:
        verbose_name = _("purge run")
        verbose_name_plural = _("purge runs")
        ordering = ["-started_at"]
        permissions = [("run_purge", "Can start a purge run")]

    def __str__(self) -> str:
        return f"Purge {organisation_time(self.started_at):%Y-%m-%d %H:%M} ({self.status})"

    def totals(self) -> dict[str, int]:
        keys = ("deleted", "anonymised", "erasures", "warned", "held_back")
        return {key: sum(int(state.get(key, 0)) for state in self.progress.values()) for key in keys}

    def errors(self) -> list[str]:
        return [f"{code}: {error}" for code, state in self.progress.items() for error in state.get("errors", [])]
