"""Jurisdictions and their dated deadline rules in the admin: editable by officers, with history."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse

from apps.subject_requests.models import DeadlineRule, Jurisdiction

pytestmark = pytest.mark.django_db


# --- Jurisdictions -----------------------------------------------------------------------------------


def jurisdiction_form(jurisdiction, **overrides):
    data = {
        "name": jurisdiction.name,
        "counsel_note": jurisdiction.counsel_note,
        "authority_name": jurisdiction.authority_name,
        "authority_url": jurisdiction.authority_url,
        "calendar": jurisdiction.calendar,
        "timezone": jurisdiction.timezone,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def rule_form(rule, **overrides):
    data = {
        "jurisdiction": str(rule.jurisdiction_id),
        "effective_from": rule.effective_from.isoformat(),
        "source": rule.source,
        "acknowledge_amount": rule.acknowledge_amount,
        "acknowledge_unit": rule.acknowledge_unit,
        "respond_amount": rule.respond_amount,
        "respond_unit": rule.respond_unit,
        "extension_amount": rule.extension_amount,
        "extension_unit": rule.extension_unit,
        "extension_from": rule.extension_from,
        "roll_forward": "on" if rule.roll_forward else "",
        "pauses_clock": "on" if rule.pauses_clock else "",
        "type_terms": json.dumps(rule.type_terms),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def test_it_tells_officers_to_verify_seeded_jurisdictions_with_counsel(client_as):
    uk = Jurisdiction.objects.get(code="uk")
    body = client_as("officer").get(reverse("admin:subject_requests_jurisdiction_change", args=[uk.pk])).content
    assert b"verify with counsel" in body
    assert b"UK GDPR Art. 12(3)" in body  # its rule versions, linked


def test_it_cites_each_laws_definition_of_a_working_day_in_the_note():
    notes = dict(Jurisdiction.objects.values_list("code", "counsel_note"))
    assert "1182/71" in notes["eu"]
    assert "§7021" in notes["us-ca"]
    assert "do not define" in notes["us-ca"]  # §7001 defines no business day (review finding 16)
    assert "Susan B. Anthony Day" in notes["us-ca"]
    assert "bank holidays" in notes["uk"]
    assert "Labour Code" in notes["vn"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"calendar": "XX"}, "calendar", "no calendar by this code"),
        ({"timezone": "Mars/Olympus"}, "timezone", "IANA time zone"),
    ],
)
def test_it_shows_jurisdiction_validation_as_form_errors(client_as, overrides, field, message):
    uk = Jurisdiction.objects.get(code="uk")
    url = reverse("admin:subject_requests_jurisdiction_change", args=[uk.pk])
    response = client_as("officer").post(url, jurisdiction_form(uk, **overrides))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    uk.refresh_from_db()
    assert uk.calendar == "GB-ENG"


def test_it_records_jurisdiction_changes_in_their_history(client_as, officer):
    uk = Jurisdiction.objects.get(code="uk")
    url = reverse("admin:subject_requests_jurisdiction_change", args=[uk.pk])
    response = client_as("officer").post(url, jurisdiction_form(uk, counsel_note="Checked with counsel, 2026-03"))
    assert response.status_code == 302
    latest = uk.history.order_by("-history_date", "-history_id").first()
    assert (latest.counsel_note, latest.history_user) == ("Checked with counsel, 2026-03", officer)
    history = client_as("auditor").get(reverse("admin:subject_requests_jurisdiction_history", args=[uk.pk]))
    assert history.status_code == 200
    assert client_as("auditor").post(url, jurisdiction_form(uk, name="Changed")).status_code == 403
    assert (
        client_as("officer").get(reverse("admin:subject_requests_jurisdiction_delete", args=[uk.pk])).status_code == 403
    )


# --- Deadline rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"type_terms": '{"withdrawal": {"respond": [15, "weeks"]}}'}, "type_terms", "[amount, unit]"),
        ({"type_terms": '{"everything": {}}'}, "type_terms", "Unknown request type"),
        ({"respond_amount": "401"}, "respond_amount", "At most 400"),
        ({"acknowledge_amount": ""}, "acknowledge_amount", "required"),
        ({"extension_amount": "", "respond_unit": "weeks"}, "respond_unit", "valid choice"),
        ({"extension_amount": "1"}, "extension_amount", "after the first due date"),
        ({"effective_from": "not a date"}, "effective_from", "valid date"),
    ],
)
def test_it_shows_deadline_rule_validation_as_form_errors(client_as, overrides, field, message):
    rule = DeadlineRule.objects.get(jurisdiction__code="uk")
    url = reverse("admin:subject_requests_deadlinerule_change", args=[rule.pk])
    response = client_as("officer").post(url, rule_form(rule, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    rule.refresh_from_db()
    assert (rule.respond_amount, rule.type_terms) == (1, {})


def test_officers_add_a_new_rule_version_with_its_date_and_its_history(client_as, officer):
    current = DeadlineRule.objects.get(jurisdiction__code="uk")
    response = client_as("officer").post(
        reverse("admin:subject_requests_deadlinerule_add"),
        rule_form(current, effective_from="2027-06-19", source="A future act", respond_amount="2"),
    )
    assert response.status_code == 302
    added = DeadlineRule.objects.get(jurisdiction__code="uk", effective_from=date(2027, 6, 19))
    assert added.history.get().history_user == officer
    uk = Jurisdiction.objects.get(code="uk")
    assert uk.rule_on(date(2027, 6, 18)) == current
    assert uk.rule_on(date(2027, 6, 19)) == added
    # Two versions cannot start on the same day.
    again = client_as("officer").post(
        reverse("admin:subject_requests_deadlinerule_add"), rule_form(current, effective_from="2027-06-19")
    )
    assert again.status_code == 200
    assert DeadlineRule.objects.filter(jurisdiction__code="uk").count() == 2


def test_only_officers_change_deadline_rules_and_nobody_deletes_them(client_as, officer):
    rule = DeadlineRule.objects.get(jurisdiction__code="uk")
    url = reverse("admin:subject_requests_deadlinerule_change", args=[rule.pk])
    assert client_as("officer").post(url, rule_form(rule, source="Checked 2026-12")).status_code == 302
    latest = rule.history.order_by("-history_date", "-history_id").first()
    assert (latest.source, latest.history_user) == ("Checked 2026-12", officer)
    assert client_as("auditor").get(url).status_code == 200
    assert client_as("auditor").post(url, rule_form(rule, source="Auditor")).status_code == 403
    assert client_as("support_agent").get(url).status_code == 403
    history = client_as("auditor").get(reverse("admin:subject_requests_deadlinerule_history", args=[rule.pk]))
    assert history.status_code == 200
    delete = reverse("admin:subject_requests_deadlinerule_delete", args=[rule.pk])
    assert client_as("officer").get(delete).status_code == 403


# --- A jurisdiction without a rule (review finding 1) ---------------------------------------------------


@pytest.fixture
def ruleless():
    """A jurisdiction an officer added in the admin, before adding its first deadline rule."""
    return Jurisdiction.objects.create(
        code="de-test", name="A new law", authority_name="Its authority", calendar="DE", timezone="Europe/Berlin"
    )


def test_a_jurisdiction_without_a_rule_is_not_offered_and_refused_when_posted(client_as, ruleless, customer):
    from django.test import Client

    from apps.subject_requests.models import SubjectRequest

    public = Client().get("/privacy-request/")
    assert public.status_code == 200
    assert b"de-test" not in public.content
    assert b"UK GDPR" in public.content
    posted = Client().post(
        "/privacy-request/",
        {"email": "sam@example.test", "name": "Sam", "request_type": "access", "jurisdiction": "de-test"},
    )
    assert posted.status_code == 400  # the form's refusals are 400s, with the form shown again
    assert "jurisdiction" in posted.context["form"].errors
    intake = client_as("officer").post(
        reverse("admin:subject_requests_subjectrequest_intake"),
        {
            "request_type": "access",
            "channel": "phone",
            "subject_email": customer.email,
            "jurisdiction": str(ruleless.pk),
            "received_at": "2026-12-01T10:00",
            "identity_check": "account_questions",
            "identity_note": "Answered the questions",
        },
    )
    assert intake.status_code == 400
    assert "jurisdiction" in intake.context["form"].errors
    assert not SubjectRequest.objects.exists()
    # Its admin page says why, and how to add the first rule.
    page = client_as("officer").get(reverse("admin:subject_requests_jurisdiction_change", args=[ruleless.pk]))
    assert b"requests cannot be filed under this jurisdiction" in page.content


def test_the_services_refuse_a_jurisdiction_without_a_rule_with_a_clear_error(ruleless, customer):
    from django.core.exceptions import ValidationError

    from apps.subject_requests.selectors.jurisdictions import jurisdiction_for
    from tests.helpers.requests import file_request

    with pytest.raises(ValidationError, match="Unknown jurisdiction"):
        jurisdiction_for(code="de-test")
    with pytest.raises(ValidationError, match="has no deadline rule yet"):
        file_request(customer, jurisdiction=ruleless)


def test_a_rule_cannot_be_moved_to_another_jurisdiction(client_as, ruleless):
    from apps.subject_requests.models import SubjectRequest
    from tests.factories import UserFactory
    from tests.helpers.requests import file_request

    rule = DeadlineRule.objects.get(jurisdiction__code="uk")
    request = file_request(UserFactory(country="GB"))
    url = reverse("admin:subject_requests_deadlinerule_change", args=[rule.pk])
    response = client_as("officer").post(url, rule_form(rule, jurisdiction=str(ruleless.pk), source="Moved?"))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.jurisdiction.code, rule.source) == ("uk", "Moved?")
    # UK requests still have their rule: their pages open.
    page = client_as("officer").get(reverse("admin:subject_requests_subjectrequest_change", args=[request.pk]))
    assert page.status_code == 200
    assert SubjectRequest.objects.get(pk=request.pk).jurisdiction.code == "uk"
