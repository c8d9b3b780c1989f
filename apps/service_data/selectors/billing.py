"""Reads of invoices and payments: the customer's own (Your Account → Billing)."""

from __future__ import annotations

from uuid import UUID

from django.db import models
from django.http import Http404

from apps.accounts.models import User
from apps.service_data.models import Invoice, Payment


def invoices_of(user: User) -> models.QuerySet[Invoice]:
    """The customer's invoices, unpaid first, then newest first."""
    unpaid_first = models.Case(models.When(status=Invoice.Status.OPEN, then=0), default=1)
    return (
        Invoice.objects.filter(customer=user)
        .annotate(unpaid_first=unpaid_first)
        .order_by("unpaid_first", "-issued_on", "-number")
    )


def payments_of(user: User) -> models.QuerySet[Payment]:
    return Payment.objects.filter(customer=user).select_related("invoice").order_by("-created_at")


def invoice_get_for_user(user: User, reference: str | UUID) -> Invoice:
    """The customer's own invoice by its opaque reference; anyone else's, or none, is a 404."""
    try:
        reference = UUID(str(reference))
    except ValueError:
        raise Http404 from None
    invoice = Invoice.objects.filter(customer=user, reference=reference).first()
    if invoice is None:
        raise Http404
    return invoice


def invoice_payments(invoice: Invoice) -> list[Payment]:
    return list(invoice.payments.order_by("created_at"))


def unpaid_invoices_of(user: User) -> models.QuerySet[Invoice]:
    return Invoice.objects.filter(customer=user, status=Invoice.Status.OPEN)
