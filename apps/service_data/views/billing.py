"""Your Account pages: billing (invoices, payments, a printable receipt per invoice)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from apps.service_data.selectors.billing import (
    invoice_get_for_user,
    invoice_payments,
    invoices_of,
    payments_of,
)


@login_required
@require_GET
def billing(request: HttpRequest) -> HttpResponse:
    invoices = list(invoices_of(request.user))  # type: ignore[arg-type]
    context = {
        "invoices": invoices,
        "payments": list(payments_of(request.user)),  # type: ignore[arg-type]
        "any_unpaid": any(invoice.is_unpaid for invoice in invoices),
    }
    return render(request, "service_data/billing/list.html", context)


@login_required
@require_GET
def invoice(request: HttpRequest, reference: UUID) -> HttpResponse:
    found = invoice_get_for_user(request.user, reference)  # type: ignore[arg-type]
    payments = invoice_payments(found)
    paid = sum((p.amount for p in payments if p.status == p.Status.SUCCEEDED), start=Decimal(0))
    balance = max(found.amount - paid, Decimal(0)) if found.is_unpaid else Decimal(0)
    context = {"invoice": found, "payments": payments, "paid": paid, "balance": balance}
    return render(request, "service_data/billing/invoice.html", context)


urlpatterns: list[URLPattern] = [
    path("account/service/billing/", billing, name="billing"),
    path("account/service/billing/<uuid:reference>/", invoice, name="invoice"),
]
