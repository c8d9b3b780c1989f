"""Invoices and the payments a third-party processor takes for them (P-41, P-42).

No card data is ever stored: the processor holds it, the portal keeps its reference. An
unpaid invoice holds the customer's financial data (a legal hold placed and released by
``services/billing.py``); issued invoices are kept 5 years for tax, then anonymised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.cards import card_number_in
from apps.core.models import ReferencedModel, TimestampedModel

if TYPE_CHECKING:
    from apps.retention.domain import RetentionScope

# The text columns a card number could be typed or pasted into; the services refuse one on
# write (clean()), and the database check scans them (apps/service_data/checks.py).
INVOICE_TEXT_FIELDS = ("number", "description", "billing_name", "billing_address")
PAYMENT_TEXT_FIELDS = ("processor", "processor_reference", "method_summary")


def refuse_card_numbers(instance: models.Model, names: tuple[str, ...]) -> None:
    errors = {}
    for name in names:
        found = card_number_in(getattr(instance, name))
        if found:
            errors[name] = _(
                "This looks like a payment card number (%(masked)s). Card numbers are never stored here: "
                "the payment processor keeps them. Remove it and keep only the processor's reference."
            ) % {"masked": found}
    if errors:
        raise ValidationError(errors)


class Invoice(ReferencedModel, TimestampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Unpaid")
        PAID = "paid", _("Paid")
        VOID = "void", _("Cancelled")

    # PROTECT: a tax record never disappears with its customer's row; erasure and the
    # retention rule anonymise it instead.
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    number = models.CharField(_("invoice number"), max_length=32, unique=True)
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    description = models.CharField(_("description"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # The customer's name and address as billed: a tax record keeps them as they were.
    billing_name = models.CharField(_("billed to"), max_length=200)
    billing_address = models.TextField(_("billing address"), blank=True)
    # The financial legal hold this unpaid invoice placed (released when it is settled); a
    # plain id: retention's LegalHold is referenced without tying the tables together.
    hold_reference = models.UUIDField(_("legal hold"), null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_on", "-number"]
        indexes = [models.Index(fields=["customer", "status"]), models.Index(fields=["issued_on"])]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        super().clean()
        refuse_card_numbers(self, INVOICE_TEXT_FIELDS)

    @property
    def is_unpaid(self) -> bool:
        return self.status == self.Status.OPEN

    @classmethod
    def retention_scope(cls, trigger: str) -> RetentionScope:
        """The 5-year tax rule (P-41) ends the legal basis the registry keeps the name and
        address under: besides unlinking the customer (the registry's anonymisation), the
        rule blanks them on the invoice and in its history. Amount, dates, number and status
        stay, as anonymous accounting figures."""
        # Imported here, as subject_requests' model does: the retention app loads the registry.
        from apps.retention.domain import RetentionScope, RuleTrigger

        if trigger != RuleTrigger.RECORD_AGE:
            return RetentionScope()
        blank: dict[str, Any] = {"billing_name": "", "billing_address": ""}
        return RetentionScope(updates=blank, history_updates=dict(blank))


class Payment(ReferencedModel, TimestampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        REFUNDED = "refunded", _("Refunded")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    processor = models.CharField(_("payment processor"), max_length=64)
    processor_reference = models.CharField(_("processor's reference"), max_length=128)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # What the processor lets us show: the card's brand and last four digits, never the number.
    method_summary = models.CharField(_("method"), max_length=40, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["processor", "processor_reference"], name="one_payment_per_processor_ref")
        ]

    def __str__(self) -> str:
        return f"{self.processor}:{self.processor_reference}"

    def clean(self) -> None:
        super().clean()
        refuse_card_numbers(self, PAYMENT_TEXT_FIELDS)
