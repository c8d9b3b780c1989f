"""Officers' consent pages: purposes, the read-only ledger, evidence, receipts, CSV, the chart."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.consent.models import ConsentEvent, Purpose, Suppression
from apps.consent.selectors.ledger import consent_rates, consent_receipt
from apps.consent.services.ledger import Context, consent_record
from apps.personal_data.domain import address_hash, subject_reference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = Context(method=ConsentEvent.Method.ACCOUNT_PAGE, language="en", source_page="/account/privacy-choices/")


def choose(user, code, granted=True):
    purpose = Purpose.objects.get(code=code)
    return consent_record(purpose=purpose, granted=granted, context=PAGE, actor=user, subject=user)


def test_an_officer_shows_the_proof_of_a_choice(client_as, customer):
    given = choose(customer, "newsletter")
    choose(customer, "marketing-email")
    choose(customer, "marketing-email", False)
    client = client_as("officer")
    page = client.get(reverse("admin:consent_evidence", args=[customer.reference])).content.decode()
    assert customer.email in page
    assert given.text_hash[:10] in page
    assert "Your Account page" in page
    receipt = json.loads(client.get(reverse("admin:consent_receipt", args=[customer.reference])).content)
    assert receipt["version"] == "KI-CR-v1.1.0"
    assert receipt["piiPrincipalId"] == subject_reference(customer)
    purposes = receipt["services"][0]["purposes"]
    assert [p["purposeCategory"] for p in purposes] == [["newsletter"]]  # withdrawn ones are not in force
    assert purposes[0]["shownTextSha256"] == given.text_hash
    assert purposes[0]["ledgerEvent"] == str(given.reference)
    assert receipt == consent_receipt(customer)  # the same evidence gives the same receipt


def test_an_officer_records_a_choice_told_by_phone(client_as, customer, officer):
    url = reverse("admin:consent_evidence", args=[customer.reference])
    newsletter = Purpose.objects.get(code="newsletter")
    choice = {"purpose": newsletter.pk, "granted": "0", "how": "Phone call, 3 March"}
    # First said back in words; nothing is written until the officer confirms.
    confirmation = client_as("officer").post(url, choice)
    assert confirmation.status_code == 200
    assert "withdrew" in confirmation.content.decode()
    assert not ConsentEvent.objects.filter(subject=customer).exists()
    response = client_as("officer").post(url, {**choice, "confirm": "yes"})
    assert response.status_code == 302
    event = ConsentEvent.objects.get(subject=customer)
    assert (event.method, event.actor, event.granted, event.source_page) == (
        "officer",
        officer,
        False,
        "Phone call, 3 March",
    )
    response = client_as("officer").post(url, {"purpose": newsletter.pk, "granted": "1", "how": ""})
    assert response.status_code == 200
    assert ConsentEvent.objects.count() == 1


def test_the_ledger_is_read_only_and_exports_csv(client_as, customer):
    event = choose(customer, "newsletter")
    client = client_as("officer")
    changelist = reverse("admin:consent_consentevent_changelist")
    assert client.get(changelist, {"q": customer.email}).status_code == 200
    assert client.get(changelist, {"method__exact": "account_page", "granted__exact": "1"}).status_code == 200
    assert client.get(reverse("admin:consent_consentevent_add")).status_code == 403
    assert (
        client.post(reverse("admin:consent_consentevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    )
    response = client.post(changelist, {"action": "export_csv", "_selected_action": [event.pk]})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["reference", "recorded_at", "subject_reference"]
    assert rows[1][4:7] == ["newsletter", "granted", "account_page"]
    assert customer.email not in "".join(rows[1])
    assert rows[1][-1] == "subject"


def test_a_visitors_crafted_user_agent_reaches_the_officers_csv_as_text(client, client_as):
    hyperlink = '=HYPERLINK("http://x")'
    client.post("/cookies/choose/", {"choice": "accept", "next": "/"}, HTTP_USER_AGENT=hyperlink)
    events = ConsentEvent.objects.filter(user_agent=hyperlink)
    assert events.exists()
    response = client_as("officer").post(
        reverse("admin:consent_consentevent_changelist"),
        {"action": "export_csv", "_selected_action": [event.pk for event in events]},
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows
    assert {row["user_agent"] for row in rows} == {"'" + hyperlink}


def test_the_consent_rate_chart_counts_changes_of_mind_per_month(client_as):
    now = timezone.now()
    first, second = UserFactory(date_joined=now - timedelta(days=90)), UserFactory(date_joined=now - timedelta(days=90))
    with time_machine.travel(now - timedelta(days=62)):
        choose(first, "newsletter")
        choose(second, "newsletter")
        choose(second, "newsletter", False)
        choose(second, "marketing-post", False)  # "off" from the start: not a change
    choose(second, "newsletter")
    rates = consent_rates()
    newsletter = next(line for line in rates["series"] if line["code"] == "newsletter")
    post = next(line for line in rates["series"] if line["code"] == "marketing-post")
    assert newsletter["consenting"][-3] == 1
    assert newsletter["consenting"][-1] == 2
    assert newsletter["rates"][-1] == 100.0
    assert set(post["consenting"]) == {0}
    page = client_as("officer").get(reverse("admin:consent_purpose_rates")).content.decode()
    assert "<polyline" in page
    assert "Newsletter" in page


def test_an_officer_suppresses_an_address_without_storing_it(client_as):
    response = client_as("officer").post(
        reverse("admin:consent_suppression_add"), {"email": "Someone@Example.test", "channel": "email"}
    )
    assert response.status_code == 302
    suppression = Suppression.objects.get()
    assert suppression.address_hash == address_hash("someone@example.test")
    assert (suppression.reason, suppression.channel) == ("officer", "email")
    found = client_as("officer").get(reverse("admin:consent_suppression_changelist"), {"q": "someone@example.test"})
    assert found.context["cl"].result_count == 1


@pytest.mark.parametrize("persona", ["support_agent", "customer"])
def test_others_cannot_see_the_evidence(client_as, customer, persona):
    response = client_as(persona).get(reverse("admin:consent_evidence", args=[customer.reference]))
    assert response.status_code in (302, 403)


def test_the_auditor_reads_the_ledger_but_not_the_live_account(client_as, customer):
    choose(customer, "newsletter")
    client = client_as("auditor")
    assert client.get(reverse("admin:consent_consentevent_changelist")).status_code == 200
    assert client.get(reverse("admin:consent_evidence", args=[customer.reference])).status_code == 403


def test_unknown_subjects_are_404(client_as):
    import uuid

    assert client_as("officer").get(reverse("admin:consent_evidence", args=[uuid.uuid4()])).status_code == 404
    # Not a reference at all: the admin's own "no such object" handling, never a 500.
    response = client_as("officer").get("/admin/consent/consentevent/evidence/not-a-uuid/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] in (reverse("admin:consent_consentevent_changelist"), reverse("admin:index"))


def test_the_customer_record_links_to_their_consent_evidence(client_as, customer):
    page = client_as("officer").get(reverse("admin:accounts_user_change", args=[customer.pk])).content.decode()
    assert reverse("admin:consent_evidence", args=[customer.reference]) in page
    page = client_as("support_agent").get(reverse("admin:accounts_user_change", args=[customer.pk])).content.decode()
    assert reverse("admin:consent_evidence", args=[customer.reference]) not in page


# --- Whose day: the organisation's (apps/core/clock.py) ------------------------------------------

# 17:30 UTC on 31 December 2026 is already 00:30 on 1 January 2027 in Ho Chi Minh City.
NEW_YEAR_IN_HCMC = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)


def test_the_consent_csv_is_named_after_the_organisations_date(client_as, customer, settings):
    with time_machine.travel(NEW_YEAR_IN_HCMC, tick=False):
        event = choose(customer, "newsletter")
        client = client_as("officer")
        export = {"action": "export_csv", "_selected_action": [event.pk]}
        for zone, day in (("Asia/Ho_Chi_Minh", "2027-01-01"), ("UTC", "2026-12-31")):
            settings.TIME_ZONE = zone
            response = client.post(reverse("admin:consent_consentevent_changelist"), export)
            assert f'filename="consent-records-{day}.csv"' in response["Content-Disposition"]


def test_the_consent_rate_chart_ends_with_the_organisations_month(settings):
    with time_machine.travel(NEW_YEAR_IN_HCMC, tick=False):
        settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
        assert consent_rates()["months"][-1] == date(2027, 1, 1)
        settings.TIME_ZONE = "UTC"
        assert consent_rates()["months"][-1] == date(2026, 12, 1)


def test_the_auditor_reads_a_purpose_without_a_server_error(client_as):
    # The view-only page has no form fields; the officer's help text went to a missing one (a 500).
    purpose = Purpose.objects.get(code="newsletter")
    response = client_as("auditor").get(reverse("admin:consent_purpose_change", args=[purpose.pk]))
    assert response.status_code == 200
    assert purpose.name_en in response.content.decode()


def test_the_auditors_csv_leaves_out_what_the_auditors_page_hides(client, client_as):
    client.post("/cookies/choose/", {"choice": "accept", "next": "/"}, HTTP_USER_AGENT="Browser/1.0")
    events = list(ConsentEvent.objects.filter(user_agent="Browser/1.0"))
    assert events
    export = {"action": "export_csv", "_selected_action": [event.pk for event in events]}
    changelist = reverse("admin:consent_consentevent_changelist")

    def rows(persona):
        response = client_as(persona).post(changelist, export)
        return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    officers, auditors = rows("officer"), rows("auditor")
    assert {row["user_agent"] for row in officers} == {"Browser/1.0"}
    assert all(row["ip_address"] for row in officers)
    assert len(auditors) == len(officers)
    assert {row["user_agent"] for row in auditors} == {""}
    assert {row["ip_address"] for row in auditors} == {""}
    # What an audit follows is still there.
    assert [row["reference"] for row in auditors] == [row["reference"] for row in officers]
