"""The breach register (GDPR Art. 33(5)): every incident, notified or not, and its risk assessments."""

from __future__ import annotations

from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.breaches.domain import Level, Risk
from apps.core.models import ReferencedModel, TimestampedModel
from apps.personal_data.registry import Category


def _is_list_of_text(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


class Breach(ReferencedModel, TimestampedModel):
    """One personal-data breach. The clocks start at ``aware_at``; every change is in the history."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Decision(models.TextChoices):
        UNDECIDED = "undecided", _("Not decided yet")
        NOTIFY = "notify", _("Notify")
        NOT_REQUIRED = "not_required", _("Notification not required")

    number = models.CharField(_("number"), max_length=16, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    occurred_at = models.DateTimeField(_("happened at"), null=True, blank=True, help_text=_("When it began, if known."))
    occurred_until = models.DateTimeField(_("happened until"), null=True, blank=True)
    aware_at = models.DateTimeField(
        _("became aware at"), help_text=_("When the company became aware of it: every clock starts here.")
    )
    discovered_how = models.TextField(_("how it was found"), blank=True)
    description = models.TextField(_("what happened"))
    systems = models.TextField(_("systems involved"), blank=True)
    categories = models.JSONField(
        _("data categories involved"),
        default=list,
        blank=True,
        help_text=_("Categories of the personal-data registry."),
    )
    models_involved = models.JSONField(
        _("records involved"), default=list, blank=True, help_text=_("Registered models, e.g. accounts.User.")
    )
    jurisdictions = models.JSONField(
        _("jurisdictions concerned"),
        default=list,
        blank=True,
        help_text=_("Codes of the jurisdictions whose authorities may need to be told, e.g. uk, eu."),
    )
    approx_people = models.PositiveIntegerField(_("approximate number of people"), default=0)
    approx_records = models.PositiveIntegerField(_("approximate number of records"), default=0)
    consequences = models.TextField(_("likely consequences"), blank=True)
    measures_taken = models.TextField(_("measures taken"), blank=True)
    measures_proposed = models.TextField(_("measures proposed"), blank=True)
    # The people's notice repeats these three; Vietnamese readers get these, else the English above.
    consequences_vi = models.TextField(_("likely consequences (Vietnamese, for people)"), blank=True)
    measures_taken_vi = models.TextField(_("measures taken (Vietnamese, for people)"), blank=True)
    measures_proposed_vi = models.TextField(_("measures proposed (Vietnamese, for people)"), blank=True)
    decision = models.CharField(
        _("decision to notify"), max_length=16, choices=Decision.choices, default=Decision.UNDECIDED
    )
    decision_reasoning = models.TextField(_("reasoning for the decision"), blank=True)
    risk = models.CharField(_("risk"), max_length=8, choices=Risk.choices, blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("officer responsible"),
        limit_choices_to={"is_staff": True},
    )
    contact_point = models.TextField(
        _("contact point"), help_text=_("Who people and the authority can ask for more (name, email, phone).")
    )
    # The people's notice (Art. 34(2)) in plain words, per language; Vietnamese falls back to English.
    notice_summary_en = models.TextField(_("what happened, for people (English)"), blank=True)
    notice_summary_vi = models.TextField(_("what happened, for people (Vietnamese)"), blank=True)
    notice_advice_en = models.TextField(_("what people can do (English)"), blank=True)
    notice_advice_vi = models.TextField(_("what people can do (Vietnamese)"), blank=True)
    public_notice_at = models.DateTimeField(
        _("public notice published at"),
        null=True,
        blank=True,
        help_text=_("Set when telling each person would take disproportionate effort (Art. 34(3)(c))."),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    mailing = models.OneToOneField(
        "consent.Mailing", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("breach")
        verbose_name_plural = _("breaches")
        ordering = ["-aware_at"]
        permissions = [("notify_breach", _("Can send a breach's notifications"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True)
                | models.Q(status="closed", closed_at__isnull=False),
                name="breach_closed_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def clean(self) -> None:
        super().clean()
        errors: dict[str, object] = {}
        if self.occurred_at and self.occurred_until and self.occurred_until < self.occurred_at:
            errors["occurred_until"] = _("The end cannot be before the beginning.")
        if self.aware_at and self.aware_at > timezone.now():
            errors["aware_at"] = _("The moment of awareness cannot be in the future.")
        if self.occurred_at and self.aware_at and self.occurred_at > self.aware_at:
            errors["aware_at"] = _("The company cannot have become aware of it before it happened.")
        if not _is_list_of_text(self.categories):
            errors["categories"] = _('Give a list of category codes, e.g. ["financial", "contact"].')
        elif unknown := [c for c in self.categories if c not in Category.values]:
            errors["categories"] = _("Unknown data categories: %(names)s. Known: %(known)s.") % {
                "names": ", ".join(unknown),
                "known": ", ".join(Category.values),
            }
        if not _is_list_of_text(self.jurisdictions):
            errors["jurisdictions"] = _('Give a list of jurisdiction codes, e.g. ["uk", "eu"].')
        else:
            # Only jurisdictions with breach clocks: a code naming none would start no clock, silently.
            # (The rules' model is looked up by name: models/clocks.py imports this module.)
            rules = django_apps.get_model("breaches", "ClockRule")
            known = sorted(set(rules.objects.values_list("jurisdiction__code", flat=True)))
            if unknown := [c for c in self.jurisdictions if c not in known]:
                errors["jurisdictions"] = _("Unknown jurisdictions: %(names)s. Known: %(known)s.") % {
                    "names": ", ".join(unknown),
                    "known": ", ".join(known),
                }
        if self.decision != self.Decision.UNDECIDED and not self.decision_reasoning.strip():
            errors["decision_reasoning"] = _("Record why the breach is, or is not, notified.")
        if errors:
            raise ValidationError(errors)


class RiskAssessment(TimestampedModel):
    """One assessment of a breach's risk with its factors; the latest is the breach's risk.
    Assessments are added, never changed: a new finding is a new assessment."""

    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="assessments")
    sensitivity = models.CharField(_("sensitivity of the data"), max_length=8, choices=Level.choices)
    special_categories = models.BooleanField(_("special categories (health, biometric, criminal...)"), default=False)
    people = models.PositiveIntegerField(_("number of people"))
    ease_of_identification = models.CharField(_("ease of identification"), max_length=8, choices=Level.choices)
    severity = models.CharField(_("severity of consequences"), max_length=8, choices=Level.choices)
    vulnerable_people = models.BooleanField(_("vulnerable people (children, patients...)"), default=False)
    unintelligible = models.BooleanField(_("data unintelligible to others (encrypted, key safe)"), default=False)
    score = models.FloatField(_("score"))
    risk = models.CharField(_("risk"), max_length=8, choices=Risk.choices)
    notes = models.TextField(_("notes"), blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.breach_id}: {self.risk}"
