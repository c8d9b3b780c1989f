"""The register in the admin: who may see what, and every write through the services.

Recipients' own admin pages are tested in test_recipients.py."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.accounts.domain import PRIVACY_OFFICER
from apps.core.clock import organisation_time
from apps.disclosures.models import Disclosure, Recipient
from apps.disclosures.selectors.register import monthly_chart, verify_chain
from apps.personal_data.domain import subject_reference
from tests.disclosures.factories import RecipientFactory, record
from tests.helpers import make_staff

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:disclosures_disclosure_changelist"
ADD = "admin:disclosures_disclosure_add"


def change_url(entry) -> str:
    return reverse("admin:disclosures_disclosure_change", args=[entry.pk])


@pytest.mark.parametrize(
    ("persona", "changelist", "add"),
    [("officer", 200, 200), ("auditor", 200, 403), ("support_agent", 403, 403)],
)
def test_it_lets_only_the_right_staff_see_and_add(client_as, persona, changelist, add, officer, customer):
    entry = record(actor=officer, subjects=[customer])
    client = client_as(persona)
    assert client.get(reverse(CHANGELIST)).status_code == changelist
    assert client.get(reverse(ADD)).status_code == add
    assert client.get(change_url(entry)).status_code == changelist
    assert client.get(reverse("admin:disclosures_recipient_changelist")).status_code == changelist


@pytest.mark.parametrize("persona", ["customer", "anonymous"])
def test_it_sends_non_staff_to_sign_in(client_as, persona):
    response = client_as(persona).get(reverse(CHANGELIST))
    assert response.status_code == 302
    if persona == "customer":
        assert "/admin/login/" in response.url or "/accounts/login/" in response.url


def test_it_keeps_the_auditor_from_changing_visibility_or_amending(client_as, officer, customer):
    entry = record(actor=officer, subjects=[customer])
    client = client_as("auditor")
    visibility = reverse("admin:disclosures_disclosure_visibility", args=[entry.pk])
    amend = reverse("admin:disclosures_disclosure_amend", args=[entry.pk])
    assert client.post(visibility, {"visibility": "withheld", "withheld_reason": "x"}).status_code == 403
    assert client.post(amend, {"correction": "x"}).status_code == 403
    assert client.get(reverse("admin:disclosures_disclosure_verify")).status_code == 200
    assert client_as("support_agent").get(reverse("admin:disclosures_disclosure_verify")).status_code == 403


def add_form(recipient, emails: str, **overrides) -> dict:
    now = organisation_time()
    data = {
        "recipient": recipient.pk,
        "subject_emails": emails,
        "data_categories": ["contact", "usage"],
        "description": "Email address and login times for March",
        "disclosed_at_0": now.strftime("%Y-%m-%d"),
        "disclosed_at_1": now.strftime("%H:%M:%S"),
        "reason": "Annual audit sample",
        "legal_basis": "legal_obligation",
        "external_reference": "AUD-2026-01",
        "requested_by": "Example Auditors LLP",
        "approved_by": "",
        "visibility": "visible",
        "withheld_reason": "",
        "withheld_review_date": "",
    }
    data.update(overrides)
    return data


def test_it_adds_a_chained_entry_through_the_service(client_as, officer, customer, other_customer):
    record(actor=officer, subjects=[customer])
    recipient = RecipientFactory(category=Recipient.Category.AUDITOR)
    response = client_as("officer").post(
        reverse(ADD), add_form(recipient, f"{customer.email}\n  {other_customer.email.upper()}  \n\n")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = Disclosure.objects.get(sequence=2)
    assert entry.recorded_by == officer
    assert entry.recipient == recipient
    assert entry.data_categories == ["contact", "usage"]
    assert entry.subjects.count() == 2
    assert entry.history.get().history_user == officer
    assert verify_chain() == (2, None)


def test_it_refuses_an_unknown_email_with_a_form_error(client_as, customer):
    recipient = RecipientFactory()
    response = client_as("officer").post(reverse(ADD), add_form(recipient, f"{customer.email}\nnobody@example.test"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "nobody@example.test" in str(errors["subject_emails"])
    assert not Disclosure.objects.exists()


def test_it_needs_a_reason_to_withhold_on_the_add_form(client_as, customer):
    recipient = RecipientFactory()
    response = client_as("officer").post(reverse(ADD), add_form(recipient, customer.email, visibility="withheld"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Disclosure.objects.exists()


def test_an_officer_cannot_name_themself_as_the_approver(client_as, officer, customer):
    second_officer = make_staff("second-officer@example.test", PRIVACY_OFFICER)
    recipient = RecipientFactory()
    client = client_as("officer")
    response = client.post(reverse(ADD), add_form(recipient, customer.email, approved_by=officer.pk))
    assert response.status_code == 200
    assert "nobody approves their own entry" in str(response.context["adminform"].form.errors["approved_by"])
    assert not Disclosure.objects.exists()
    response = client.post(reverse(ADD), add_form(recipient, customer.email, approved_by=second_officer.pk))
    assert response.status_code == 302
    assert Disclosure.objects.get().approved_by == second_officer


def test_it_offers_no_delete(client_as, officer, customer):
    entry = record(actor=officer, subjects=[customer])
    client = client_as("officer")
    delete_url = reverse("admin:disclosures_disclosure_delete", args=[entry.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    response = client.get(reverse(CHANGELIST))
    assert "delete_selected" not in response.content.decode()
    response = client.post(reverse(CHANGELIST), {"action": "delete_selected", ACTION_CHECKBOX_NAME: [entry.pk]})
    assert Disclosure.objects.filter(pk=entry.pk).exists()
    recipient_delete = reverse("admin:disclosures_recipient_delete", args=[entry.recipient_id])
    assert client.post(recipient_delete, {"post": "yes"}).status_code == 403


def test_it_shows_the_change_page_read_only_with_the_officer_buttons(client_as, officer, customer):
    entry = record(actor=officer, subjects=[customer])
    page = client_as("officer").get(change_url(entry)).content.decode()
    assert 'name="_save"' not in page
    assert reverse("admin:disclosures_disclosure_visibility", args=[entry.pk]) in page
    assert reverse("admin:disclosures_disclosure_amend", args=[entry.pk]) in page
    assert subject_reference(customer) in page
    assert customer.email not in page
    auditor_page = client_as("auditor").get(change_url(entry)).content.decode()
    assert reverse("admin:disclosures_disclosure_amend", args=[entry.pk]) not in auditor_page


def test_it_amends_by_appending_and_leaves_the_original(client_as, officer, customer):
    original = record(actor=officer, subjects=[customer])
    url = reverse("admin:disclosures_disclosure_amend", args=[original.pk])
    client = client_as("officer")
    assert client.get(url).status_code == 200
    when = organisation_time(original.disclosed_at)
    data = {
        "correction": "Wrong month",
        "recipient": original.recipient_id,
        "data_categories": ["contact"],
        "description": "Email address for April",
        "disclosed_at_0": when.strftime("%Y-%m-%d"),
        "disclosed_at_1": when.strftime("%H:%M:%S"),
        "legal_basis": original.legal_basis,
        "external_reference": original.external_reference,
        "requested_by": original.requested_by,
    }
    response = client.post(url, data)
    assert response.status_code == 302
    amendment = Disclosure.objects.get(amends=original)
    assert response.url == change_url(amendment)
    assert amendment.sequence == 2
    assert amendment.description == "Email address for April"
    assert amendment.recorded_by == officer
    assert "Amends #1: Wrong month" in amendment.reason
    assert list(amendment.subjects.values_list("subject_reference", flat=True)) == [subject_reference(customer)]
    original.refresh_from_db()
    assert original.description == "Email address and login times for March"
    assert verify_chain() == (2, None)


def test_it_needs_a_correction_to_amend(client_as, officer, customer):
    original = record(actor=officer, subjects=[customer])
    url = reverse("admin:disclosures_disclosure_amend", args=[original.pk])
    response = client_as("officer").post(url, {"correction": " ", "recipient": original.recipient_id})
    assert response.status_code == 200
    assert response.context["form"].errors["correction"]
    assert Disclosure.objects.count() == 1


def test_it_changes_visibility_and_the_chain_still_verifies(client_as, officer, customer):
    entry = record(actor=officer, subjects=[customer])
    url = reverse("admin:disclosures_disclosure_visibility", args=[entry.pk])
    client = client_as("officer")
    missing = client.post(url, {"visibility": "withheld", "withheld_reason": ""})
    assert missing.status_code == 200
    assert missing.context["form"].errors["withheld_reason"]
    response = client.post(
        url, {"visibility": "withheld", "withheld_reason": "Court order forbids telling", "withheld_review_date": ""}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.visibility == "withheld"
    assert entry.withheld_reason == "Court order forbids telling"
    assert entry.history.first().history_user == officer
    assert verify_chain() == (1, None)


def test_it_exports_the_selected_entries_as_csv(client_as, officer, customer, other_customer):
    abroad = RecipientFactory(country="US", transfer_safeguard=Recipient.Safeguard.SCC, name="Acme Inc")
    first = record(actor=officer, subjects=[customer, other_customer], recipient=abroad)
    second = record(actor=officer, subjects=[customer])
    response = client_as("auditor").post(
        reverse(CHANGELIST), {"action": "export_csv", ACTION_CHECKBOX_NAME: [first.pk, second.pk]}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["sequence"] for row in rows] == ["1", "2"]
    assert rows[0]["recipient"] == "Acme Inc"
    assert rows[0]["recipient_country"] == "US"
    assert rows[0]["international_transfer"] == "yes"
    assert rows[0]["transfer_safeguard"] == "scc"
    assert rows[0]["subject_count"] == "2"
    assert set(rows[0]["subject_references"].split(";")) == {
        subject_reference(customer),
        subject_reference(other_customer),
    }
    assert rows[0]["entry_hash"] == first.entry_hash
    assert rows[1]["previous_hash"] == first.entry_hash
    assert rows[1]["international_transfer"] == "no"
    assert customer.email not in response.content.decode()


def test_it_lists_the_register_in_a_bounded_number_of_queries(
    client_as, officer, customer, other_customer, django_assert_max_num_queries
):
    client = client_as("officer")
    client.get(reverse(CHANGELIST))  # the first request of a session also records it
    for index in range(3):
        record(actor=officer, subjects=[customer, other_customer], recipient=RecipientFactory(name=f"R{index}"))
    # About 10 queries are the session, MFA and permission checks every admin page makes.
    with django_assert_max_num_queries(24) as few:
        assert client.get(reverse(CHANGELIST)).status_code == 200
    for index in range(20):
        entry = record(actor=officer, subjects=[customer], recipient=RecipientFactory(name=f"S{index}"))
    record(actor=officer, subjects=[customer], amends=entry)
    with django_assert_max_num_queries(24) as many:
        response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200

    def register_queries(context) -> int:
        return sum("disclosures_" in query["sql"] for query in context.captured_queries)

    # Seven times the rows, the same queries on the register: no query per row.
    assert register_queries(many) == register_queries(few)
    page = response.content.decode()
    assert f"#{entry.sequence}" in page


def test_it_filters_and_searches_the_register(client_as, officer, customer):
    abroad = RecipientFactory(country="US", transfer_safeguard=Recipient.Safeguard.SCC, name="Acme Inc")
    home = RecipientFactory(name="Local Ltd")
    record(actor=officer, subjects=[customer], recipient=abroad, external_reference="W-1")
    record(actor=officer, subjects=[customer], recipient=home, external_reference="W-2")
    client = client_as("officer")
    for query, expected in [
        ("international=yes", 1),
        ("international=no", 1),
        ("recipient_country=US", 1),
        ("q=Acme", 1),
        ("q=W-2", 1),
        ("legal_basis__exact=court_order", 2),
        ("visibility__exact=withheld", 0),
    ]:
        response = client.get(f"{reverse(CHANGELIST)}?{query}")
        assert response.status_code == 200, query
        assert response.context["cl"].result_count == expected, query


def test_it_shows_the_chain_status_and_finds_a_break(client_as, officer, customer):
    entries = [record(actor=officer, subjects=[customer]) for _ in range(3)]
    client = client_as("officer")
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert entries[-1].entry_hash in page
    assert reverse("admin:disclosures_disclosure_verify") in page
    intact = client.get(reverse("admin:disclosures_disclosure_verify")).content.decode()
    assert "INTACT" in intact
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Disclosure._meta.db_table} SET description = %s WHERE sequence = 2", ["tampered"])
    broken = client.get(reverse("admin:disclosures_disclosure_verify")).content.decode()
    assert "BROKEN" in broken
    assert "position 2" in broken
    assert str(entries[1].reference) in broken


def test_it_charts_disclosures_per_month_per_category(client_as, officer, customer):
    court = RecipientFactory(category=Recipient.Category.COURT)
    record(actor=officer, subjects=[customer], recipient=court)
    record(actor=officer, subjects=[customer], recipient=court)
    record(actor=officer, subjects=[customer])  # processor
    record(actor=officer, subjects=[customer], disclosed_at=timezone.now() - timedelta(days=500))  # too old
    chart = monthly_chart()
    assert chart["total"] == 3
    assert [item["value"] for item in chart["legend"]] == ["processor", "court"]
    assert chart["table"][-1]["cells"] == [1, 2]
    assert len(chart["table"]) == 12
    response = client_as("officer").get(reverse("admin:disclosures_disclosure_chart"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<svg role="img"' in page
    assert "<table" in page
    assert "Court: 2" in page
    assert client_as("support_agent").get(reverse("admin:disclosures_disclosure_chart")).status_code == 403


def test_it_lists_each_recipient_country_once_in_the_filter(client_as):
    from tests.disclosures.factories import RecipientFactory

    RecipientFactory(name="Alpha", country="GB")
    RecipientFactory(name="Beta", country="GB")
    page = client_as("officer").get("/admin/disclosures/disclosure/").content.decode()
    assert page.count("?recipient_country=GB") == 1


# --- Whose day: the organisation's (apps/core/clock.py) ------------------------------------------

# 17:30 UTC on 31 December 2026 is already 00:30 on 1 January 2027 in Ho Chi Minh City.
NEW_YEAR_IN_HCMC = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)


def test_the_register_csv_is_named_after_the_organisations_date(client_as, officer, customer, settings):
    with time_machine.travel(NEW_YEAR_IN_HCMC, tick=False):
        entry = record(actor=officer, subjects=[customer])
        client = client_as("auditor")
        export = {"action": "export_csv", ACTION_CHECKBOX_NAME: [entry.pk]}
        for zone, day in (("Asia/Ho_Chi_Minh", "2027-01-01"), ("UTC", "2026-12-31")):
            settings.TIME_ZONE = zone
            response = client.post(reverse(CHANGELIST), export)
            assert f'filename="disclosure-register-{day}.csv"' in response["Content-Disposition"]


def test_the_disclosure_chart_ends_with_the_organisations_month(settings):
    with time_machine.travel(NEW_YEAR_IN_HCMC, tick=False):
        settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
        assert monthly_chart()["table"][-1]["month"] == date(2027, 1, 1)
        settings.TIME_ZONE = "UTC"
        assert monthly_chart()["table"][-1]["month"] == date(2026, 12, 1)


# --- Malformed ids, and compelled disclosures kept out of one officer's forms (P-21) ----------------


@pytest.mark.parametrize("suffix", ["change/", "visibility/", "amend/", "attach/"])
def test_register_pages_404_on_a_non_ascii_digit_id(client_as, officer, customer, suffix):
    record(actor=officer, subjects=[customer])
    response = client_as("officer").get(f"/admin/disclosures/disclosure/²/{suffix}", follow=True)
    assert response.status_code in (200, 404)


@pytest.mark.parametrize(
    ("category", "basis"),
    [("court", "court_order"), ("law_enforcement", "law_enforcement"), ("court", "legal_obligation")],
)
def test_one_officer_cannot_record_a_compelled_disclosure_past_the_second_officer(
    client_as, officer, customer, category, basis
):
    recipient = RecipientFactory(category=category, agreement="none", agreement_reference="")
    response = client_as("officer").post(
        reverse("admin:disclosures_disclosure_add"),
        add_form(recipient, customer.email, legal_basis=basis, approved_by=officer.pk),
    )
    assert response.status_code == 200
    assert not Disclosure.objects.exists()


def test_an_amendment_cannot_turn_an_entry_into_a_compelled_disclosure(client_as, officer, customer):
    original = record(
        actor=officer,
        subjects=[customer],
        recipient=RecipientFactory(category="auditor"),
        legal_basis="legal_obligation",
        approved_by=officer,
    )
    when = organisation_time(original.disclosed_at)
    response = client_as("officer").post(
        reverse("admin:disclosures_disclosure_amend", args=[original.pk]),
        {
            "correction": "It was a court order",
            "recipient": original.recipient_id,
            "data_categories": ["contact"],
            "description": "Email address",
            "disclosed_at_0": when.strftime("%Y-%m-%d"),
            "disclosed_at_1": when.strftime("%H:%M:%S"),
            "legal_basis": "court_order",
        },
    )
    assert response.status_code == 200
    assert not Disclosure.objects.filter(amends=original).exists()


def test_the_register_csv_writes_formula_like_text_as_text(client_as, officer, customer):
    entry = record(
        actor=officer,
        subjects=[customer],
        recipient=RecipientFactory(name="+Acme Ltd"),
        requested_by='=HYPERLINK("http://x")',
    )
    response = client_as("auditor").post(
        reverse(CHANGELIST), {"action": "export_csv", ACTION_CHECKBOX_NAME: [entry.pk]}
    )
    row = next(csv.DictReader(io.StringIO(response.content.decode())))
    assert (row["recipient"], row["requested_by"]) == ("'+Acme Ltd", '\'=HYPERLINK("http://x")')
    assert row["sequence"] == str(entry.sequence)
