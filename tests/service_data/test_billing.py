"""Billing (P-41, P-42): invoices, payments, the unpaid invoice's financial legal hold, no card
data, and Your Account → Billing; the deletion an unpaid debt holds back, completed once paid."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import TestCase
from django.urls import reverse

from apps.accounts.models import User
from apps.core.actors import SystemActor
from apps.core.cards import card_number_in
from apps.personal_data.models import ErasureRun
from apps.retention.models import AccountDeletion, LegalHold, PurgeRun
from apps.retention.purge import purge
from apps.retention.services.deletion import account_deletion_request
from apps.service_data.checks import check_no_card_numbers
from apps.service_data.models import (
    CallRecord,
    ContentItem,
    Invoice,
    LocationRecord,
    Payment,
    SupportCommunication,
    UsageEvent,
)
from apps.service_data.services.billing import invoice_issue, invoice_void, payment_record
from tests.factories import UserFactory
from tests.service_data.factories import (
    CallRecordFactory,
    ContentItemFactory,
    LocationRecordFactory,
    SupportCommunicationFactory,
    UsageEventFactory,
)

pytestmark = pytest.mark.django_db

BILLING_RUN = SystemActor("billing:monthly-run")
PROCESSOR = SystemActor("billing:processor-callback")
TODAY = date(2026, 3, 1)


@pytest.fixture
def billed(customer):
    customer.mailing_address = "12 Lê Lợi, Quận 1, TP Hồ Chí Minh"
    customer.save()
    return customer


def issue(customer, amount="30.00", **kwargs) -> Invoice:
    defaults = {"description": "Pro plan, March", "due_on": TODAY + timedelta(days=14), "issued_on": TODAY}
    return invoice_issue(customer=customer, amount=Decimal(amount), actor=BILLING_RUN, **{**defaults, **kwargs})


def pay(invoice: Invoice, reference: str, amount: str | None = None, status: str = "succeeded", **kwargs) -> Payment:
    return payment_record(
        invoice=invoice,
        processor="stripe",
        processor_reference=reference,
        amount=Decimal(amount or invoice.amount),
        status=status,
        method_summary=kwargs.pop("method_summary", "Visa •••• 4242"),
        actor=PROCESSOR,
        **kwargs,
    )


def hold_of(invoice: Invoice) -> LegalHold:
    return LegalHold.objects.get(reference=invoice.hold_reference)


# --- Issuing: numbers, the snapshot and the hold ----------------------------------------------------


def test_it_issues_numbered_invoices_with_the_billing_snapshot_and_a_financial_hold(billed):
    first, second = issue(billed), issue(billed, amount="12.50")
    assert (first.number, second.number) == ("INV-2026-000001", "INV-2026-000002")
    assert (first.billing_name, first.billing_address) == ("Casey Customer", "12 Lê Lợi, Quận 1, TP Hồ Chí Minh")
    assert first.status == Invoice.Status.OPEN
    # One hold per unpaid invoice, on the financial data only, reviewed after the due date.
    held = hold_of(first)
    assert held.is_active
    assert (held.subject, held.reason, held.categories) == (billed, LegalHold.Reason.UNPAID_DEBT, ["financial"])
    assert held.review_on == first.due_on + timedelta(days=60)
    assert first.number in held.note
    # Issued by a system job, the hold names the customer whose debt it is as who placed it.
    assert held.placed_by == billed
    assert hold_of(second).pk != held.pk
    # The snapshot does not follow later changes of the account.
    billed.full_name = "Casey Renamed"
    billed.save()
    first.refresh_from_db()
    assert first.billing_name == "Casey Customer"


def test_an_officer_issuing_is_named_on_the_hold(customer, officer):
    invoice = invoice_issue(
        customer=customer, description="Setup", amount=Decimal("5"), due_on=TODAY, issued_on=TODAY, actor=officer
    )
    assert hold_of(invoice).placed_by == officer
    assert invoice.history.first().history_user == officer


def test_numbers_restart_each_year_and_skip_what_exists(customer):
    issue(customer)
    with time_machine.travel("2027-01-02T10:00:00Z", tick=False):
        assert issue(customer, issued_on=date(2027, 1, 2), due_on=date(2027, 1, 30)).number == "INV-2027-000001"
    assert issue(customer).number == "INV-2026-000002"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"due_on": TODAY - timedelta(days=1)}, "due_on"),
        ({"description": "Card 4111 1111 1111 1111 charged"}, "description"),
    ],
)
def test_it_refuses_bad_invoices_clearly_and_holds_nothing(customer, changes, field):
    with pytest.raises(ValidationError) as refused:
        issue(customer, **changes)
    assert field in refused.value.message_dict
    assert not Invoice.objects.exists()
    assert not LegalHold.objects.exists()


def test_it_refuses_a_card_number_in_the_billing_address(customer):
    customer.mailing_address = "4242-4242-4242-4242, Hanoi"
    customer.save()
    with pytest.raises(ValidationError) as refused:
        issue(customer)
    assert "payment card number" in refused.value.message_dict["billing_address"][0]
    assert "4242-4242-4242-4242" not in str(refused.value)  # the error never repeats the number
    assert "•••• 4242" in str(refused.value)


def test_staff_and_closed_accounts_get_no_invoices(officer, customer):
    with pytest.raises(ValidationError):
        issue(officer)
    User.objects.filter(pk=customer.pk).update(is_active=False)
    customer.refresh_from_db()
    with pytest.raises(ValidationError):
        issue(customer)


# --- Card numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("4242 4242 4242 4242", "•••• 4242"),
        ("paid by 4111-1111-1111-1111 yesterday", "•••• 1111"),
        ("378282246310005", "•••• 0005"),  # 15 digits (Amex)
        ("6011000990139424", "•••• 9424"),
        ("4111111111111112", None),  # fails Luhn
        ("Visa •••• 4242", None),
        ("0000000000000000", None),  # a placeholder, not a card
        ("ch_3MtwBwLkdIwHu7ix28a3tqPa", None),
        ("1234567890123456789012345", None),  # a 25-digit reference is not a card
        ("+84 912 345 678", None),
        ("", None),
    ],
)
def test_it_knows_a_card_number_when_it_sees_one(text, found):
    assert card_number_in(text) == found


def test_payments_refuse_card_numbers_in_every_text_field(customer):
    invoice = issue(customer)
    for bad in ({"method_summary": "4242424242424242"}, {"reference": "4000 0566 5566 5556"}):
        with pytest.raises(ValidationError, match="payment card number"):
            pay(invoice, bad.get("reference", "pi_1"), method_summary=bad.get("method_summary", "Visa •••• 4242"))
    assert not Payment.objects.exists()


def test_the_database_check_fails_on_a_stored_card_number_and_names_no_value(customer):
    invoice = issue(customer)
    payment = pay(invoice, "pi_ok")
    assert check_no_card_numbers(databases=["default"]) == []
    call_command("check", "--database", "default")  # passes

    # A value that bypassed the services (a bulk import, a raw fix): update() skips clean().
    Payment.objects.filter(pk=payment.pk).update(method_summary="5555 5555 5555 4444")
    errors = check_no_card_numbers(databases=["default"])
    assert [e.id for e in errors] == ["service_data.E001"]
    assert "service_data_payment.method_summary" in errors[0].msg
    assert "5555" not in errors[0].msg
    with pytest.raises(SystemCheckError, match=r"service_data\.E001"):
        call_command("check", "--database", "default")
    # Without --database, checks that read rows do not run (a deploy's static check stays fast).
    call_command("check")


def test_the_database_check_scans_history_and_registered_communications(customer):
    invoice = issue(customer)
    Invoice.history.filter(id=invoice.pk).update(billing_address="card 4111 1111 1111 1111")
    SupportCommunicationFactory(customer=customer, body="My card is 4242 4242 4242 4242, please charge it")
    tables = sorted(e.msg.split(" ")[0] for e in check_no_card_numbers(databases=["default"]))
    assert tables == [
        "service_data_historicalinvoice.billing_address",
        "service_data_historicalsupportcommunication.body",
        "service_data_supportcommunication.body",
    ]


# --- Payments ------------------------------------------------------------------------------------


def test_a_payment_that_covers_the_invoice_pays_it_and_releases_its_hold(customer):
    invoice = issue(customer)
    payment = pay(invoice, "pi_1")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.paid_at is not None
    assert (payment.customer, payment.method_summary) == (customer, "Visa •••• 4242")
    released = hold_of(invoice)
    assert not released.is_active
    assert released.released_by == customer
    assert invoice.number in released.release_note


def test_a_callback_delivered_twice_records_one_payment(customer):
    invoice = issue(customer)
    first = pay(invoice, "pi_1")
    again = pay(invoice, "pi_1")
    assert first.pk == again.pk
    assert Payment.objects.count() == 1
    assert LegalHold.objects.filter(released_at__isnull=False).count() == 1


def test_pending_then_succeeded_and_an_older_callback_late_changes_nothing(customer):
    invoice = issue(customer)
    pay(invoice, "pi_1", status="pending")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    assert hold_of(invoice).is_active
    pay(invoice, "pi_1", status="succeeded")
    late = pay(invoice, "pi_1", status="pending")  # the processor's earlier message, arriving last
    assert late.status == Payment.Status.SUCCEEDED
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_partial_payments_release_the_hold_only_when_they_cover_it(customer):
    invoice = issue(customer, amount="30.00")
    pay(invoice, "pi_1", amount="10.00")
    pay(invoice, "pi_2", amount="15.00", status="failed")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    assert hold_of(invoice).is_active
    pay(invoice, "pi_3", amount="20.00")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert not hold_of(invoice).is_active


def test_one_invoice_paid_leaves_the_other_invoices_hold(customer):
    first, second = issue(customer), issue(customer)
    pay(first, "pi_1")
    assert not hold_of(first).is_active
    assert hold_of(second).is_active


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"amount": "1.00"}, "another invoice or amount"),  # same reference, different amount
        ({"currency": "EUR", "reference": "pi_2"}, "currency"),
        ({"status": "lost", "reference": "pi_3"}, "Unknown payment status"),
        ({"amount": "0", "reference": "pi_4"}, "more than zero"),
    ],
)
def test_it_refuses_inconsistent_payments(customer, kwargs, message):
    invoice = issue(customer)
    pay(invoice, "pi_1", status="pending")
    with pytest.raises(ValidationError, match=message):
        pay(invoice, kwargs.pop("reference", "pi_1"), **kwargs)


def test_a_reference_is_one_payment_across_invoices(customer):
    first, second = issue(customer), issue(customer)
    pay(first, "pi_1")
    with pytest.raises(ValidationError, match="another invoice"):
        pay(second, "pi_1")


def test_voiding_an_unpaid_invoice_releases_its_hold_and_a_paid_one_cannot_be(customer, officer):
    unpaid, paid = issue(customer), issue(customer)
    with pytest.raises(ValidationError):
        invoice_void(invoice=unpaid, actor=officer, reason="  ")
    voided = invoice_void(invoice=unpaid, actor=officer, reason="Issued twice by mistake")
    assert voided.status == Invoice.Status.VOID
    assert hold_of(voided).released_by == officer
    with pytest.raises(ValidationError, match="cancelled"):
        pay(voided, "pi_9")
    pay(paid, "pi_1")
    with pytest.raises(ValidationError, match="Only an unpaid invoice"):
        invoice_void(invoice=paid, actor=officer, reason="too late")


def test_an_invoice_with_a_pending_payment_cannot_be_cancelled(customer, officer):
    # Else the processor's later "succeeded" would take money for a cancelled invoice.
    invoice = issue(customer)
    pay(invoice, "pi_pending", status="pending")
    with pytest.raises(ValidationError, match="still pending"):
        invoice_void(invoice=invoice, actor=officer, reason="written off")
    pay(invoice, "pi_pending", status="succeeded")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


# --- The deletion an unpaid debt holds back (P-42), end to end -------------------------------------


def run_purge(rule: str = "") -> PurgeRun:
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = purge(triggered_by=PurgeRun.Trigger.COMMAND, rule_code=rule)
    assert run.status == PurgeRun.Status.COMPLETED, run.errors()
    return run


def test_an_unpaid_invoice_holds_exactly_the_financial_data_until_paid_then_the_deletion_completes(
    billed, other_customer
):
    invoice = issue(billed)
    paid_earlier = issue(billed, amount="9.00")
    pay(paid_earlier, "pi_old")
    item = ContentItemFactory(owner=billed)
    stored = (item.file.storage, item.file.name)
    CallRecordFactory.create_batch(3, owner=billed)
    UsageEventFactory(owner=billed)
    LocationRecordFactory(owner=billed)
    SupportCommunicationFactory(customer=billed)
    CallRecordFactory(owner=other_customer)

    with TestCase.captureOnCommitCallbacks(execute=True):
        deletion = account_deletion_request(user=billed, actor=billed)
    with time_machine.travel(deletion.erase_after + timedelta(hours=1), tick=False):
        run_purge()
    deletion.refresh_from_db()
    first = ErasureRun.objects.get(reference=deletion.erasure_reference)
    assert first.status == ErasureRun.Status.PARTIAL  # the hold kept something back

    # Everything but the financial data is gone, files included...
    assert not ContentItem.objects.filter(owner=billed).exists()
    assert not stored[0].exists(stored[1])
    for model in (CallRecord, UsageEvent, LocationRecord):
        assert not model.objects.filter(owner=billed).exists()
    assert not SupportCommunication.objects.filter(customer=billed).exists()
    assert CallRecord.objects.filter(owner=other_customer).count() == 1
    billed.refresh_from_db()
    assert billed.full_name == ""
    assert billed.status == User.Status.CLOSED
    # ...and the invoices and payments stay linked to the account while the debt is open.
    assert set(Invoice.objects.filter(customer=billed)) == {invoice, paid_earlier}
    assert Payment.objects.filter(customer=billed, method_summary="Visa •••• 4242").count() == 1
    certificate = first.certificate
    assert "Casey" not in str(certificate)

    # A purge while it is unpaid changes nothing.
    with time_machine.travel(deletion.erase_after + timedelta(days=2), tick=False):
        run_purge()
    assert Invoice.objects.filter(customer=billed).count() == 2
    assert ErasureRun.objects.filter(subject_id=billed.pk, dry_run=False).count() == 1

    # Paid: the hold goes with the payment, and the next purge completes the erasure.
    with time_machine.travel(deletion.erase_after + timedelta(days=3), tick=False):
        pay(invoice, "pi_late")
        assert not LegalHold.objects.filter(subject=billed, released_at__isnull=True).exists()
    with time_machine.travel(deletion.erase_after + timedelta(days=4), tick=False):
        run_purge()
    second = ErasureRun.objects.filter(subject_id=billed.pk, dry_run=False).latest("pk")
    assert second.pk != first.pk
    assert second.status == ErasureRun.Status.COMPLETED
    # The invoices are tax records: unlinked from the account, the name and amounts kept.
    assert not Invoice.objects.filter(customer=billed).exists()
    kept = Invoice.objects.get(pk=invoice.pk)
    assert (kept.customer_id, kept.billing_name, kept.amount) == (None, "Casey Customer", Decimal("30.00"))
    assert not Payment.objects.filter(customer=billed).exists()
    assert set(Payment.objects.values_list("method_summary", flat=True)) == {""}
    # Nothing more on later runs.
    with time_machine.travel(deletion.erase_after + timedelta(days=5), tick=False):
        run_purge()
    assert ErasureRun.objects.filter(subject_id=billed.pk, dry_run=False).count() == 2
    assert AccountDeletion.objects.get(pk=deletion.pk).status == AccountDeletion.Status.DONE


# --- Your Account → Billing --------------------------------------------------------------------------

BILLING_URL = "/account/service/billing/"


def test_the_billing_page_needs_a_signed_in_customer(client_as):
    response = client_as("anonymous").get(BILLING_URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_customer_sees_their_invoices_unpaid_highlighted_and_payments(
    client_as, customer, other_customer, django_assert_max_num_queries
):
    unpaid = issue(customer, description="Pro plan, April")
    paid = issue(customer, description="Pro plan, March")
    pay(paid, "pi_1")
    issue(other_customer, description="Someone else's plan")
    client = client_as("customer")
    # A bounded number of queries however many invoices and payments (no query per row).
    with django_assert_max_num_queries(12):
        response = client.get(BILLING_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else" not in page
    assert page.index(unpaid.number) < page.index(paid.number)  # unpaid first
    assert "kept until paid" in page
    assert 'class="invoice-unpaid"' in page
    assert "Visa •••• 4242" in page
    assert reverse("service_data:invoice", args=[unpaid.reference]) in page


def test_the_page_shows_nothing_unpaid_when_all_is_paid(client_as, customer):
    pay(issue(customer), "pi_1")
    page = client_as("customer").get(BILLING_URL).content.decode()
    assert "kept until paid" not in page
    assert "You have an unpaid invoice" not in page


def test_an_invoice_page_is_a_receipt_for_its_owner_only(client_as, customer, other_customer):
    invoice = issue(customer)
    pay(invoice, "pi_1")
    url = reverse("service_data:invoice", args=[invoice.reference])
    response = client_as("customer").get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Receipt for invoice {invoice.number}" in page
    assert "Casey Customer" in page
    assert "pi_1" in page
    assert "css/receipt.css" in page
    assert client_as("other_customer").get(url).status_code == 404
    assert client_as("customer").get("/account/service/billing/not-a-reference/").status_code == 404
    assert client_as("customer").post(url).status_code == 405


def test_the_billing_page_follows_the_customers_language(client_as, customer):
    issue(customer)
    customer.preferred_language = "vi"
    customer.save()
    page = client_as("customer").get(BILLING_URL).content.decode()
    # The page's words come from the catalogue (the lead translates them); the language is set.
    assert '<html lang="vi">' in page
    assert "INV-2026-000001" in page


# --- The admin: officers read, nobody edits ------------------------------------------------------


def test_officers_find_invoices_by_number_and_payments_by_reference(client_as, customer):
    invoice = issue(customer)
    pay(invoice, "pi_findme")
    issue(customer)
    client = client_as("officer")
    listing = client.get("/admin/service_data/invoice/", {"q": invoice.number})
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    by_status = client.get("/admin/service_data/invoice/", {"status__exact": "open"})
    assert by_status.context["cl"].result_count == 1
    payments = client.get("/admin/service_data/payment/", {"q": "pi_findme"})
    assert payments.context["cl"].result_count == 1
    page = client.get(f"/admin/service_data/invoice/{invoice.pk}/change/")
    assert page.status_code == 200
    assert client.get("/admin/service_data/invoice/add/").status_code == 403
    response = client.post(f"/admin/service_data/invoice/{invoice.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_support_agents_do_not_see_invoices(client_as, customer):
    issue(customer)
    assert client_as("support_agent").get("/admin/service_data/invoice/").status_code == 403


def test_a_customer_without_a_name_is_billed_by_email(db):
    user = UserFactory(email="noname@example.test", full_name="")
    assert issue(user).billing_name == "noname@example.test"
