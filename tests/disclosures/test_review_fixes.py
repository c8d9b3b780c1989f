"""Regression tests for defects found in review of the disclosures capability."""

import json

import pytest
from django.db import connection
from django.urls import reverse

from apps.core.clock import organisation_time
from apps.disclosures.models import Disclosure, DisclosureSubject, StaffAccessEvent
from apps.disclosures.selectors.register import verify_chain
from apps.disclosures.services.access import content_access_request, staff_access_log
from apps.disclosures.services.register import disclosure_amend, disclosure_set_visibility
from tests.disclosures.factories import RecipientFactory, record
from tests.disclosures.test_admin import add_form
from tests.disclosures.test_export import build

pytestmark = pytest.mark.django_db

GAG = "Order 12/2026 forbids telling the customer"


@pytest.mark.parametrize("action", ["approve", "refuse"])
@pytest.mark.parametrize("object_id", ["abc", "1.5", "²"])
def test_compelled_decision_pages_404_on_a_malformed_id(client_as, action, object_id):
    client = client_as("officer")
    url = f"/admin/disclosures/compelledrequest/{object_id}/{action}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x"}).status_code == 404


@pytest.mark.parametrize("suffix", ["change/", "visibility/", "amend/", "attach/"])
def test_register_pages_404_on_a_non_ascii_digit_id(client_as, officer, customer, suffix):
    record(actor=officer, subjects=[customer])
    response = client_as("officer").get(f"/admin/disclosures/disclosure/²/{suffix}", follow=True)
    assert response.status_code in (200, 404)


def test_the_export_leaves_out_withheld_legal_grants_and_the_looks_under_them(officer, support_agent, customer):
    grant = content_access_request(
        staff=officer,
        customer=customer,
        purpose="legal",
        reason="Covert investigation XYZ",
        ticket_reference="WARRANT-99",
        withhold_notification_reason=GAG,
    )
    staff_access_log(staff=officer, customer=customer, kind=StaffAccessEvent.Kind.CONTENT_VIEW, path="/x/", grant=grant)
    told = content_access_request(
        staff=support_agent, customer=customer, purpose="support", reason="Ticket about playlists"
    )
    archive = build(customer)
    assert "staff_access_grants.json" in archive.namelist()
    grants = json.loads(archive.read("staff_access_grants.json"))["sources"][0]["records"]
    assert [row["reference"] for row in grants] == [str(told.reference)]
    everything = "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    assert "WARRANT-99" not in everything
    assert "Covert investigation XYZ" not in everything
    assert str(grant.reference) not in everything


def test_verification_notices_a_deleted_tail_before_any_anchor(officer, customer):
    entries = [record(actor=officer, subjects=[customer]) for _ in range(3)]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {DisclosureSubject._meta.db_table} WHERE disclosure_id = %s", [entries[2].pk])
        cursor.execute(f"DELETE FROM {Disclosure._meta.db_table} WHERE id = %s", [entries[2].pk])
    checked, broken = verify_chain()
    assert checked == 2
    assert broken is not None
    assert "truncated" in broken.problem


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


@pytest.mark.parametrize("withhold", ["original", "amendment"])
def test_withholding_an_entry_withholds_the_corrections_that_repeat_it(client_as, officer, customer, withhold):
    original = record(
        actor=officer,
        subjects=[customer],
        recipient=RecipientFactory(name="Secret Agency Ltd"),
        description="Covert thing",
        legal_basis="legal_obligation",
    )
    amendment = disclosure_amend(original=original, actor=officer, correction="typo", description="Covert thing v2")
    entry = original if withhold == "original" else amendment
    disclosure_set_visibility(disclosure=entry, actor=officer, visibility="withheld", withheld_reason=GAG)
    body = client_as("customer").get(reverse("disclosures:records")).content.decode()
    assert "Secret Agency Ltd" not in body
    assert "Covert thing" not in body
    assert "2 records" in body
    assert verify_chain() == (2, None)
