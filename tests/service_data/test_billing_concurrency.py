"""Billing under concurrency, with committed data and threads: invoices issued at once get
distinct consecutive numbers, and a processor's callback delivered several times at once
records one payment and releases the hold once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from apps.core.actors import SystemActor
from apps.retention.models import LegalHold
from apps.service_data.models import Invoice, Payment
from apps.service_data.services.billing import invoice_issue, payment_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
ACTOR = SystemActor("tests")


def together(count: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(count)
    outcomes: list[object] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes.append(work(index))
        except Exception as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_invoices_issued_at_once_get_distinct_consecutive_numbers():
    customers = [UserFactory() for _ in range(6)]
    outcomes = together(
        6,
        lambda i: invoice_issue(
            customer=customers[i],
            description="Pro plan",
            amount=Decimal("10"),
            due_on=date(2026, 12, 31),
            issued_on=date(2026, 12, 1),
            actor=ACTOR,
        ),
    )
    assert all(isinstance(o, Invoice) for o in outcomes), outcomes
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"INV-2026-{n:06d}" for n in range(1, 7)]
    assert LegalHold.objects.filter(released_at__isnull=True).count() == 6


def test_a_callback_delivered_four_times_at_once_records_one_payment():
    customer = UserFactory()
    invoice = invoice_issue(
        customer=customer,
        description="Pro plan",
        amount=Decimal("10"),
        due_on=date(2026, 12, 31),
        issued_on=date(2026, 12, 1),
        actor=ACTOR,
    )
    outcomes = together(
        4,
        lambda _i: payment_record(
            invoice=invoice,
            processor="stripe",
            processor_reference="pi_once",
            amount=Decimal("10"),
            status="succeeded",
            method_summary="Visa •••• 4242",
            actor=ACTOR,
        ),
    )
    assert all(isinstance(o, Payment) for o in outcomes), outcomes
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    hold = LegalHold.objects.get(reference=invoice.hold_reference)
    assert hold.released_at is not None
    assert hold.history.filter(history_change_reason__startswith="legal hold released").count() == 1
