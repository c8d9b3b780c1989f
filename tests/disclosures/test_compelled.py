"""Compelled disclosures (P-21): recorded by one officer, decided by another, written to the register."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.accounts.domain import PRIVACY_OFFICER
from apps.core.clock import organisation_time, organisation_today
from apps.disclosures.models import CompelledRequest, Disclosure, Recipient
from apps.disclosures.selectors.register import verify_chain
from apps.disclosures.services.compelled import (
    compelled_request_approve,
    compelled_request_receive,
    compelled_request_refuse,
)
from tests.disclosures.factories import RecipientFactory
from tests.factories import UserFactory
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

ADD = "admin:disclosures_compelledrequest_add"
CHANGELIST = "admin:disclosures_compelledrequest_changelist"


@pytest.fixture
def second_officer(officer):
    from tests.helpers import make_staff

    return make_staff("second.officer@example.test", PRIVACY_OFFICER)


@pytest.fixture
def court(db):
    return RecipientFactory(
        name="Example Crown Court", category=Recipient.Category.COURT, agreement="none", agreement_reference=""
    )


def intake(recipient, emails: str, **overrides) -> dict:
    data = {
        "recipient": recipient.pk,
        "requested_by": "DC Smith",
        "authority": "Production order, s.9 PACE",
        "external_reference": "PO-2026-7",
        "deadline": (organisation_today() + timedelta(days=5)).isoformat(),
        "subject_emails": emails,
        "data_categories": ["contact", "usage"],
        "data_requested": "Email address and login times, March 2026",
        "withheld_reason": "",
    }
    data.update(overrides)
    return data


def receive(actor, recipient, subjects, **overrides) -> CompelledRequest:
    fields = {
        "actor": actor,
        "recipient": recipient,
        "requested_by": "DC Smith",
        "authority": "Production order",
        "external_reference": "PO-1",
        "deadline": organisation_today() + timedelta(days=3),
        "subjects": subjects,
        "data_categories": ["contact"],
        "data_requested": "Email address",
        "withhold_from_subjects": False,
        "withheld_reason": "",
    }
    fields.update(overrides)
    return compelled_request_receive(**fields)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_it_takes_four_eyes_from_intake_to_the_register(client_as, officer, second_officer, customer, court):
    first = client_as("officer")
    response = first.post(
        reverse(ADD),
        intake(court, customer.email, withhold_from_subjects="on", withheld_reason="Order s.4 forbids telling"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    request = CompelledRequest.objects.get()
    assert request.received_by == officer
    assert list(request.subjects.all()) == [customer]
    assert request.status == CompelledRequest.Status.AWAITING_APPROVAL
    change = reverse("admin:disclosures_compelledrequest_change", args=[request.pk])
    approve = reverse("admin:disclosures_compelledrequest_approve", args=[request.pk])

    # The officer who recorded it sees no buttons and cannot approve by posting either.
    assert approve not in first.get(change).content.decode()
    now = organisation_time()
    decision = {
        "description": "Email address and login times",
        "disclosed_at_0": now.strftime("%Y-%m-%d"),
        "disclosed_at_1": now.strftime("%H:%M:%S"),
    }
    refused = first.post(approve, decision)
    assert refused.status_code == 302
    assert any("second officer" in message for message in messages_of(refused))
    assert not Disclosure.objects.exists()
    request.refresh_from_db()
    assert request.status == CompelledRequest.Status.AWAITING_APPROVAL

    second = sign_in(first.__class__(), second_officer)
    assert approve in second.get(change).content.decode()
    assert second.get(approve).status_code == 200
    approved = second.post(approve, decision)
    assert approved.status_code == 302
    request.refresh_from_db()
    assert request.status == CompelledRequest.Status.APPROVED
    assert request.decided_by == second_officer
    entry = request.disclosure
    assert entry.approved_by == second_officer
    assert entry.recorded_by == second_officer
    assert entry.legal_basis == Disclosure.LegalBasis.COURT_ORDER
    assert entry.external_reference == "PO-2026-7"
    assert entry.requested_by == "DC Smith"
    assert entry.visibility == Disclosure.Visibility.WITHHELD
    assert entry.withheld_reason == "Order s.4 forbids telling"
    assert verify_chain() == (1, None)
    # Decided: no more buttons, and a second approval is refused.
    assert approve not in second.get(change).content.decode()
    again = second.post(approve, decision)
    assert again.status_code == 302
    assert Disclosure.objects.count() == 1


def test_it_records_a_refusal_with_its_reason(client_as, officer, second_officer, customer, court):
    request = receive(officer, court, [customer])
    second = sign_in(client_as("anonymous"), second_officer)
    refuse = reverse("admin:disclosures_compelledrequest_refuse", args=[request.pk])
    missing = second.post(refuse, {"reason": "  "})
    assert missing.status_code == 200
    assert missing.context["form"].errors["reason"]
    response = second.post(refuse, {"reason": "The order names the wrong company"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == CompelledRequest.Status.REFUSED
    assert request.refusal_reason == "The order names the wrong company"
    assert request.decided_by == second_officer
    assert request.history.first().history_user == second_officer
    assert not Disclosure.objects.exists()


def test_it_puts_bad_intake_on_the_form(client_as, customer, court):
    client = client_as("officer")
    unknown = client.post(reverse(ADD), intake(court, "nobody@example.test"))
    assert unknown.status_code == 200
    assert "nobody@example.test" in str(unknown.context["adminform"].form.errors["subject_emails"])
    no_reason = client.post(reverse(ADD), intake(court, customer.email, withhold_from_subjects="on"))
    assert no_reason.status_code == 200
    assert no_reason.context["adminform"].form.errors["withheld_reason"]
    processor = RecipientFactory()
    wrong_recipient = client.post(reverse(ADD), intake(processor, customer.email))
    assert wrong_recipient.status_code == 200
    assert wrong_recipient.context["adminform"].form.errors["recipient"]
    assert not CompelledRequest.objects.exists()


@pytest.mark.parametrize(
    ("category", "basis"),
    [
        ("court", "court_order"),
        ("law_enforcement", "law_enforcement"),
        ("regulator", "regulator"),
        ("government", "legal_obligation"),
    ],
)
def test_it_chooses_the_legal_basis_from_the_recipient(officer, second_officer, customer, category, basis):
    recipient = RecipientFactory(category=category)
    request = receive(officer, recipient, [customer])
    approved = compelled_request_approve(request=request, actor=second_officer, description="Email address")
    assert approved.disclosure.legal_basis == basis
    assert approved.disclosure.visibility == Disclosure.Visibility.VISIBLE


def test_the_services_refuse_the_receiver_and_a_decided_request(officer, second_officer, customer, court):
    request = receive(officer, court, [customer])
    with pytest.raises(ValidationError, match="second officer"):
        compelled_request_approve(request=request, actor=officer, description="x")
    with pytest.raises(ValidationError, match="second officer"):
        compelled_request_refuse(request=request, actor=officer, reason="x")
    with pytest.raises(ValidationError):
        compelled_request_refuse(request=request, actor=second_officer, reason="")
    compelled_request_refuse(request=request, actor=second_officer, reason="Wrong company")
    with pytest.raises(ValidationError, match="already been decided"):
        compelled_request_approve(request=request, actor=second_officer, description="x")
    assert not Disclosure.objects.exists()


@pytest.mark.parametrize(
    ("persona", "changelist", "add"), [("officer", 200, 200), ("auditor", 200, 403), ("support_agent", 403, 403)]
)
def test_it_lets_only_the_right_staff_in(client_as, persona, changelist, add, officer, customer, court):
    request = receive(officer, court, [customer])
    client = client_as(persona)
    assert client.get(reverse(CHANGELIST)).status_code == changelist
    assert client.get(reverse(ADD)).status_code == add
    refuse = reverse("admin:disclosures_compelledrequest_refuse", args=[request.pk])
    if persona != "officer":
        assert client.post(refuse, {"reason": "no"}).status_code == 403


@pytest.mark.parametrize("persona", ["customer", "anonymous"])
def test_it_sends_non_staff_away(client_as, persona):
    assert client_as(persona).get(reverse(CHANGELIST)).status_code == 302


def test_it_lists_by_deadline_and_highlights_the_overdue(client_as, officer, customer, court):
    receive(officer, court, [customer], external_reference="LATER", deadline=organisation_today() + timedelta(days=20))
    receive(officer, court, [customer], external_reference="OVERDUE", deadline=organisation_today() - timedelta(days=1))
    receive(officer, court, [customer], external_reference="NONE", deadline=None)
    response = client_as("officer").get(reverse(CHANGELIST))
    assert [r.external_reference for r in response.context["cl"].result_list] == ["OVERDUE", "LATER", "NONE"]
    assert response.content.decode().count('class="overdue"') == 1
    awaiting = client_as("officer").get(reverse(CHANGELIST) + "?status__exact=awaiting_approval")
    assert awaiting.context["cl"].result_count == 3


def test_an_officer_without_the_group_is_still_checked(officer, customer, court):
    # A superuser receiving a request is still the receiver: four eyes hold for everyone.
    boss = UserFactory(email="boss@example.test", is_staff=True, is_superuser=True)
    boss.groups.add(Group.objects.get(name=PRIVACY_OFFICER))
    request = receive(boss, court, [customer])
    with pytest.raises(ValidationError):
        compelled_request_approve(request=request, actor=boss, description="x")
    assert compelled_request_approve(request=request, actor=officer, description="x").disclosure is not None


# --- Whose day: the organisation's (apps/core/clock.py) ------------------------------------------

# 17:30 UTC on 31 December 2026 is already 00:30 on 1 January 2027 in Ho Chi Minh City.
NEW_YEAR_IN_HCMC = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)


def test_a_request_falls_overdue_and_due_soon_by_the_organisations_date(client_as, officer, customer, court, settings):
    with time_machine.travel(NEW_YEAR_IN_HCMC, tick=False):
        receive(officer, court, [customer], external_reference="YESTERDAY", deadline=date(2026, 12, 31))
        receive(officer, court, [customer], external_reference="IN-TWO-DAYS", deadline=date(2027, 1, 3))
        client = client_as("officer")
        settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
        page = client.get(reverse(CHANGELIST)).content.decode()
        assert "⚠ 2026-12-31 (overdue)" in page
        assert '<strong class="due-soon">2027-01-03</strong>' in page
        settings.TIME_ZONE = "UTC"  # still 31 December: due today, and the other not yet close
        page = client.get(reverse(CHANGELIST)).content.decode()
        assert 'class="overdue"' not in page
        assert '<strong class="due-soon">2026-12-31</strong>' in page
        assert '<strong class="due-soon">2027-01-03</strong>' not in page


@pytest.mark.parametrize("action", ["approve", "refuse"])
@pytest.mark.parametrize("object_id", ["abc", "1.5", "²"])
def test_compelled_decision_pages_404_on_a_malformed_id(client_as, action, object_id):
    client = client_as("officer")
    url = f"/admin/disclosures/compelledrequest/{object_id}/{action}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x"}).status_code == 404
