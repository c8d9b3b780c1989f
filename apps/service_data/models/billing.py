"""Invoices and the payments a third-party processor takes for them (P-41, P-42).

No card data is ever stored: the processor holds it, the portal keeps its reference. An
unpaid invoice holds the customer's financial data (a legal hold placed and released by
``services/billing.py``); issued invoices are kept 5 years for tax, then anonymised.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import ReferencedModel, TimestampedModel


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
