"""Recipients of personal data: the organisations in the register, and (extended by
apps/systems) the processors and internal systems a request must reach."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from apps.core.clock import organisation_today
from apps.core.models import ReferencedModel, TimestampedModel
from apps.personal_data.domain import third_country_transfer


class Recipient(ReferencedModel, TimestampedModel):
    class Category(models.TextChoices):
        GROUP_COMPANY = "group_company", _("Group company")
        PROCESSOR = "processor", _("Service provider / processor")
        AUDITOR = "auditor", _("Auditor")
        LAWYER = "lawyer", _("Lawyer")
        REGULATOR = "regulator", _("Regulator")
        LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
        COURT = "court", _("Court")
        GOVERNMENT = "government", _("Government body")
        MARKETING_AGENCY = "marketing_agency", _("Marketing agency")
        MARKETING_PARTNER = "marketing_partner", _("Marketing partner")
        BUYER = "buyer", _("Buyer of the business")

    class Safeguard(models.TextChoices):
        NOT_NEEDED = "not_needed", _("Not needed (same country)")
        ADEQUACY = "adequacy", _("Adequacy decision")
        SCC = "scc", _("Standard contractual clauses")
        BCR = "bcr", _("Binding corporate rules")
        CONTRACT = "contract", _("Contract")
        DEROGATION = "derogation", _("Derogation (Art. 49)")

    class Agreement(models.TextChoices):
        NONE = "none", _("None")
        CONFIDENTIALITY = "confidentiality", _("Confidentiality agreement")
        PROCESSING = "processing", _("Data processing agreement")

    class Role(models.TextChoices):
        """What the organisation or system is to the company (apps/systems tells each of a request)."""

        RECIPIENT = "recipient", _("Recipient (data disclosed to it)")
        PROCESSOR = "processor", _("Processor (acts on the company's instructions)")
        INTERNAL = "internal", _("Internal system")

    class Connector(models.TextChoices):
        """How a request reaches it (apps/systems)."""

        NONE = "", _("Not told of requests")
        WEBHOOK = "webhook", _("Signed webhook")
        EMAIL = "email", _("Email instructions")
        MANUAL = "manual", _("Manual task for an officer")

    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    country = CountryField(_("country"))
    transfer_safeguard = models.CharField(
        _("international-transfer safeguard (P-23)"),
        max_length=16,
        choices=Safeguard.choices,
        default=Safeguard.NOT_NEEDED,
    )
    agreement = models.CharField(
        _("agreement (P-20)"), max_length=16, choices=Agreement.choices, default=Agreement.NONE
    )
    agreement_reference = models.CharField(_("agreement reference"), max_length=120, blank=True)
    agreement_starts = models.DateField(_("agreement starts"), null=True, blank=True)
    agreement_ends = models.DateField(_("agreement ends"), null=True, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # --- As a system that requests must reach (GDPR Art. 19, 28(3); apps/systems) ---
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.RECIPIENT)
    categories_held = models.JSONField(
        _("data categories held"),
        default=list,
        blank=True,
        help_text=_("The registry's data categories this system holds; requests about them are sent to it."),
    )
    connector = models.CharField(_("connector"), max_length=16, choices=Connector.choices, blank=True, default="")
    deadline_days = models.PositiveSmallIntegerField(
        _("days to act"), default=10, help_text=_("How many days the system has to confirm a request.")
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en", help_text=_("Of emailed instructions.")
    )
    privacy_contact_email = models.EmailField(
        _("privacy contact email"), blank=True, help_text=_("Where emailed instructions and reminders go.")
    )
    webhook_url = models.URLField(_("webhook URL"), max_length=500, blank=True)
    identifiers = models.JSONField(
        _("identifiers sent"),
        default=list,
        blank=True,
        help_text=_('What a request names the person by, and no more: "email", "account_id", "subject_reference".'),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agreement_ends__isnull=True)
                | models.Q(agreement_starts__isnull=True)
                | models.Q(agreement_ends__gte=models.F("agreement_starts")),
                name="disclosures_recipient_agreement_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_international(self) -> bool:
        return str(self.country) != settings.CONTROLLER_COUNTRY

    @property
    def agreement_lapsed(self) -> bool:
        return bool(self.agreement_ends and self.agreement_ends < organisation_today())

    def clean(self) -> None:
        # Within the EEA, for a controller in it, data moves as within one country.
        abroad = third_country_transfer(settings.CONTROLLER_COUNTRY, str(self.country))
        if abroad and self.transfer_safeguard == self.Safeguard.NOT_NEEDED:
            raise ValidationError(
                {"transfer_safeguard": _("A recipient in another country needs a transfer safeguard (P-23).")}
            )
        if self.agreement != self.Agreement.NONE and not self.agreement_reference:
            raise ValidationError({"agreement_reference": _("Give the agreement's reference.")})
        self._clean_system()

    IDENTIFIERS = ("email", "account_id", "subject_reference")

    def _clean_system(self) -> None:
        from apps.personal_data.registry import Category

        errors: dict[str, object] = {}
        if not isinstance(self.categories_held, list) or set(map(str, self.categories_held)) - set(Category.values):
            errors["categories_held"] = _("Choose among: %(names)s.") % {"names": ", ".join(Category.values)}
        if not isinstance(self.identifiers, list) or set(map(str, self.identifiers)) - set(self.IDENTIFIERS):
            errors["identifiers"] = _("Choose among: %(names)s.") % {"names": ", ".join(self.IDENTIFIERS)}
        if self.connector == self.Connector.WEBHOOK:
            from apps.core.webhooks import UnsafeTarget, check_target

            if not self.webhook_url:
                errors["webhook_url"] = _("A webhook connector needs the address to send to.")
            else:
                try:
                    check_target(self.webhook_url)
                except UnsafeTarget as exc:
                    errors["webhook_url"] = str(exc)
        if self.connector == self.Connector.EMAIL and not self.privacy_contact_email:
            errors["privacy_contact_email"] = _("Emailed instructions need the system's privacy contact.")
        if self.connector and not self.deadline_days:
            errors["deadline_days"] = _("Give the system at least one day to act.")
        if errors:
            raise ValidationError(errors)
