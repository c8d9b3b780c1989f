"""The service data's retention rules (P-09, P-41, P-42, P-43): each deletes or anonymises
exactly what it says, when it says, and keeps what a legal hold covers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.test import TestCase

from apps.accounts.models import User
from apps.core.actors import SystemActor
from apps.personal_data.erasure.run import erasure_carry_out_here, erasure_start
from apps.personal_data.models import ErasureRun
from apps.retention.models import LegalHold, PurgeRun, RetentionRule
from apps.retention.purge import purge, purge_preview
from apps.retention.services.holds import legal_hold_place
from apps.service_data.models import (
    CalendarEntry,
    CallRecord,
    ContentItem,
    Invoice,
    LocationRecord,
    Payment,
    ProductConfiguration,
    SharedPost,
    SupportCommunication,
    UsageEvent,
)
from apps.service_data.services.billing import invoice_issue, payment_record
from apps.service_data.services.install import CODES, RULES, install_data_seed
from tests.service_data.factories import (
    CalendarEntryFactory,
    CallRecordFactory,
    ContentItemFactory,
    LocationRecordFactory,
    ProductConfigurationFactory,
    SharedPostFactory,
    SupportCommunicationFactory,
    UsageEventFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2031, 6, 15, 9, 0, tzinfo=UTC)
SYSTEM = SystemActor("tests")


def run_purge(rule: str, at: datetime = NOW) -> PurgeRun:
    with time_machine.travel(at, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        run = purge(triggered_by=PurgeRun.Trigger.COMMAND, rule_code=rule)
    assert run.status == PurgeRun.Status.COMPLETED, run.errors()
    return run


def counts(run: PurgeRun, rule: str) -> dict:
    keys = {"deleted", "anonymised", "held_back"}
    return {k: v for k, v in run.progress[rule].items() if k in keys and v}


def hold(subject: User, officer: User, *categories: str) -> LegalHold:
    return legal_hold_place(
        subject=subject,
        actor=officer,
        reason=LegalHold.Reason.LITIGATION,
        review_on=date(2032, 1, 1),
        categories=list(categories),
    )


# --- The seed ---------------------------------------------------------------------------------------


def test_every_kind_has_a_seeded_rule_the_purge_can_carry_out():
    rules = {rule.target: rule for rule in RetentionRule.objects.filter(code__in=CODES)}
    assert set(rules) == {
        "service_data.ContentItem",
        "service_data.SharedPost",
        "service_data.CalendarEntry",
        "service_data.ProductConfiguration",
        "service_data.LocationRecord",
        "service_data.UsageEvent",
        "service_data.CallRecord",
        "service_data.SupportCommunication",
        "service_data.Invoice",
        "service_data.Payment",
    }
    for rule in rules.values():
        rule.full_clean()  # validate_rule: a rule the purge can carry out
        assert rule.title_vi
        assert rule.explanation_vi
        assert rule.enabled
    invoices = rules["service_data.Invoice"]
    assert (invoices.period, invoices.unit, invoices.action) == (5, "years", "anonymise")
    # Idempotent: seeding again changes nothing and adds nothing.
    install_data_seed()
    assert RetentionRule.objects.filter(code__in=CODES).count() == len(RULES)


def test_the_customers_retention_page_lists_the_service_rules(client_as, customer):
    page = client_as("customer").get("/account/retention/").content.decode()
    for rule in RULES:
        assert rule["title_en"] in page
    customer.preferred_language = "vi"
    customer.save()
    page = client_as("customer").get("/account/retention/").content.decode()
    assert '<html lang="vi">' in page
    for rule in RULES:
        assert rule["title_vi"] in page


# --- Records by age ---------------------------------------------------------------------------------

AGED = [
    # (rule, factory, date field, the rule's period, the category a hold must cover)
    ("service-location", LocationRecordFactory, "recorded_at", relativedelta(months=6), "location"),
    ("service-usage", UsageEventFactory, "occurred_at", relativedelta(months=24), "usage"),
    ("service-calls", CallRecordFactory, "started_at", relativedelta(months=24), "communications"),
    ("service-support", SupportCommunicationFactory, "occurred_at", relativedelta(years=3), "communications"),
]


@pytest.mark.parametrize(("rule", "factory", "field", "period", "category"), AGED)
def test_records_older_than_their_period_are_deleted_and_newer_ones_kept(
    customer, other_customer, rule, factory, field, period, category
):
    owner = "customer" if factory is SupportCommunicationFactory else "owner"
    old = factory(**{owner: customer, field: NOW - period - timedelta(hours=1)})
    recent = factory(**{owner: customer, field: NOW - period + timedelta(hours=1)})
    others_old = factory(**{owner: other_customer, field: NOW - period - timedelta(days=30)})
    model = type(old)
    preview = {row["rule"]: row for row in purge_preview(rule_code=rule, now=NOW)}[rule]
    assert preview["would_delete"] == 2

    assert counts(run_purge(rule), rule) == {"deleted": 2}
    assert set(model.objects.values_list("pk", flat=True)) == {recent.pk}
    assert not model.objects.filter(pk__in=[old.pk, others_old.pk]).exists()


@pytest.mark.parametrize(("rule", "factory", "field", "period", "category"), AGED)
def test_a_hold_on_the_category_keeps_the_subjects_old_records(
    customer, other_customer, officer, rule, factory, field, period, category
):
    owner = "customer" if factory is SupportCommunicationFactory else "owner"
    held = factory(**{owner: customer, field: NOW - period - timedelta(days=1)})
    free = factory(**{owner: other_customer, field: NOW - period - timedelta(days=1)})
    hold(customer, officer, category)
    # A hold on an unrelated category keeps nothing of this kind.
    hold(other_customer, officer, "financial" if category != "financial" else "content")
    assert counts(run_purge(rule), rule) == {"deleted": 1, "held_back": 1}
    model = type(held)
    assert model.objects.filter(pk=held.pk).exists()
    assert not model.objects.filter(pk=free.pk).exists()


# --- Data that lives as long as the account ----------------------------------------------------------


def close(user: User, at: datetime) -> None:
    User.objects.filter(pk=user.pk).update(status=User.Status.CLOSED, closed_at=at, is_active=False)


ACCOUNT_BOUND = [
    ("service-content", ContentItemFactory, ContentItem),
    ("service-shared-posts", lambda owner: SharedPostFactory(author=owner), SharedPost),
    ("service-calendar", CalendarEntryFactory, CalendarEntry),
    ("service-configuration", ProductConfigurationFactory, ProductConfiguration),
]


@pytest.mark.parametrize(("rule", "make", "model"), ACCOUNT_BOUND)
def test_account_bound_data_goes_14_days_after_the_account_closes(customer, other_customer, rule, make, model):
    gone = make(owner=customer) if model is not SharedPost else make(customer)
    kept = make(owner=other_customer) if model is not SharedPost else make(other_customer)
    close(customer, NOW - timedelta(days=14, hours=1))
    close(other_customer, NOW - timedelta(days=13))  # still in its grace period
    assert counts(run_purge(rule), rule) == {"deleted": 1}
    assert not model.objects.filter(pk=gone.pk).exists()
    assert model.objects.filter(pk=kept.pk).exists()


def test_the_content_rule_deletes_the_files_and_respects_a_content_hold(customer, other_customer, officer):
    held = ContentItemFactory(owner=customer)
    gone = ContentItemFactory(owner=other_customer)
    storage, name = gone.file.storage, gone.file.name
    assert storage.exists(name)
    for user in (customer, other_customer):
        close(user, NOW - timedelta(days=30))
    hold(customer, officer, "content")
    assert counts(run_purge("service-content"), "service-content") == {"deleted": 1, "held_back": 1}
    assert not storage.exists(name)
    assert ContentItem.objects.filter(pk=held.pk).exists()
    assert held.file.storage.exists(held.file.name)


# --- Invoices and payments: 5 years, then anonymised (P-41) -------------------------------------------

ISSUED = date(2026, 6, 1)  # five years before NOW, and a fortnight


def issue_at(customer: User, issued_on: date = ISSUED, amount: str = "20.00") -> Invoice:
    with time_machine.travel(datetime.combine(issued_on, datetime.min.time(), tzinfo=UTC), tick=False):
        return invoice_issue(
            customer=customer,
            description="Pro plan",
            amount=Decimal(amount),
            due_on=issued_on + timedelta(days=14),
            issued_on=issued_on,
            actor=SYSTEM,
        )


def pay(invoice: Invoice, reference: str) -> Payment:
    return payment_record(
        invoice=invoice,
        processor="stripe",
        processor_reference=reference,
        amount=invoice.amount,
        status="succeeded",
        method_summary="Mastercard •••• 4444",
        actor=SYSTEM,
    )


def test_paid_invoices_are_anonymised_5_years_after_issue_names_and_history_included(customer):
    old = issue_at(customer)
    pay(old, "pi_old")
    recent = issue_at(customer, issued_on=date(2026, 7, 1))
    pay(recent, "pi_recent")

    run = run_purge("service-invoices")
    assert counts(run, "service-invoices") == {"anonymised": 1}
    old.refresh_from_db()
    assert (old.customer_id, old.billing_name, old.billing_address) == (None, "", "")
    # What an anonymous accounting record keeps.
    assert (old.number, old.amount, old.status, old.issued_on) == ("INV-2026-000001", Decimal("20.00"), "paid", ISSUED)
    history = list(Invoice.history.filter(id=old.pk))
    assert history
    assert all(h.customer_id is None and h.billing_name == "" for h in history)
    recent.refresh_from_db()
    assert (recent.customer_id, recent.billing_name) == (customer.pk, "Casey Customer")
    # Taken once: the next day's run finds nothing more to do.
    assert counts(run_purge("service-invoices", NOW + timedelta(days=1)), "service-invoices") == {}

    assert counts(run_purge("service-payments"), "service-payments") == {"anonymised": 1}
    payment = Payment.objects.get(processor_reference="pi_old")
    assert (payment.customer_id, payment.method_summary, payment.amount) == (None, "", Decimal("20.00"))
    assert Payment.objects.get(processor_reference="pi_recent").customer_id == customer.pk


def test_an_old_unpaid_invoice_stays_while_its_hold_does(customer, other_customer):
    unpaid = issue_at(customer)
    paid = issue_at(other_customer)
    pay(paid, "pi_1")
    assert counts(run_purge("service-invoices"), "service-invoices") == {"anonymised": 1, "held_back": 1}
    unpaid.refresh_from_db()
    assert (unpaid.customer_id, unpaid.billing_name) == (customer.pk, "Casey Customer")
    # Settled (late): the next run anonymises it.
    with time_machine.travel(NOW, tick=False):
        pay(unpaid, "pi_2")
    assert counts(run_purge("service-invoices", NOW + timedelta(days=1)), "service-invoices") == {"anonymised": 1}
    unpaid.refresh_from_db()
    assert (unpaid.customer_id, unpaid.billing_name) == (None, "")


def test_an_invoice_unlinked_by_erasure_still_loses_its_name_at_5_years(customer):
    invoice = issue_at(customer)
    pay(invoice, "pi_1")
    with time_machine.travel(datetime(2027, 1, 1, tzinfo=UTC), tick=False):
        with TestCase.captureOnCommitCallbacks(execute=False):
            run = erasure_start(subject=customer, actor=SYSTEM, reason="test erasure")
        with TestCase.captureOnCommitCallbacks(execute=True):
            assert erasure_carry_out_here(run).status == ErasureRun.Status.COMPLETED
    invoice.refresh_from_db()
    # Erasure unlinks it; the tax basis keeps the name (the registry's KEEP fields)...
    assert (invoice.customer_id, invoice.billing_name) == (None, "Casey Customer")
    # ...until the 5 years are up. (Unlinked is not "already anonymised": the rule takes it.)
    assert counts(run_purge("service-invoices"), "service-invoices") == {"anonymised": 1}
    invoice.refresh_from_db()
    assert invoice.billing_name == ""
    assert not Invoice.history.filter(id=invoice.pk).exclude(billing_name="").exists()
    assert counts(run_purge("service-invoices", NOW + timedelta(days=1)), "service-invoices") == {}


def test_other_kinds_are_untouched_by_the_billing_rules(customer):
    CallRecordFactory(owner=customer, started_at=NOW - relativedelta(years=6))
    UsageEventFactory(owner=customer, occurred_at=NOW - relativedelta(years=6))
    pay(issue_at(customer), "pi_1")
    run_purge("service-invoices")
    run_purge("service-payments")
    assert CallRecord.objects.count() == 1
    assert UsageEvent.objects.count() == 1
    assert SupportCommunication.objects.count() == 0
    assert LocationRecord.objects.count() == 0


def test_the_delete_account_page_says_invoices_and_payments_are_kept_5_years(client_as, customer):
    page = client_as("customer").get("/account/delete/").content.decode()
    for code in ("service-invoices", "service-payments"):
        rule = next(r for r in RULES if r["code"] == code)
        assert rule["title_en"] in page
    assert "5 years" in page


def test_the_purge_command_previews_and_carries_out_the_invoice_rule(customer, other_customer):
    issue_at(customer)  # unpaid: its hold keeps it back
    pay(issue_at(other_customer), "pi_1")
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("purge", "--dry-run", "--rule", "service-invoices", stdout=out)
    (preview,) = json.loads(out.getvalue())["rules"]
    assert (preview["would_anonymise"], preview["held_back"]) == (1, 1)
    assert Invoice.objects.filter(customer__isnull=False).count() == 2  # a dry run changes nothing

    out = StringIO()
    with time_machine.travel(NOW, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        call_command("purge", "--rule", "service-invoices", stdout=out)
    result = json.loads(out.getvalue())
    assert result["status"] == PurgeRun.Status.COMPLETED
    assert result["rules"]["service-invoices"]["anonymised"] == 1
    assert list(Invoice.objects.filter(customer__isnull=False)) == list(Invoice.objects.filter(customer=customer))
