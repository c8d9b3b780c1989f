"""The officer's admin of subject requests: who may open what, the list, its filters and search,
bulk assignment, and the request page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from apps.consent.models import ProcessingRestriction
from apps.core.clock import organisation_today
from apps.retention.models import LegalHold
from apps.subject_requests.models import RequestMessage, SubjectRequest
from apps.subject_requests.services.requests import subject_request_transition
from tests.factories import UserFactory
from tests.helpers.requests import file_request, request_page, step_url

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status
LIST = reverse("admin:subject_requests_subjectrequest_changelist")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday


# --- Who may and who may not ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"), [("officer", 200), ("auditor", 200), ("support_agent", 403), ("customer", 302)]
)
def test_it_shows_the_list_and_page_to_officers_and_auditors_only(client_as, customer, persona, status):
    request = file_request(customer)
    client = client_as(persona)
    assert client.get(LIST).status_code == status
    assert client.get(request_page(request)).status_code == status


def test_it_hides_the_subject_messages_and_files_from_auditors(client_as, customer, officer):
    request = file_request(customer, details="Everything you hold about my calls")
    RequestMessage.objects.create(request=request, kind="internal", body="Secret internal note", author=officer)
    listing = client_as("auditor").get(LIST).content.decode()
    assert customer.email not in listing
    assert request.short_reference in listing
    body = client_as("auditor").get(request_page(request)).content.decode()
    assert customer.email not in body
    assert "Everything you hold" not in body
    assert "Secret internal note" not in body
    assert 'id="message-form"' not in body
    assert 'data-step="' not in body


@pytest.mark.parametrize("persona", ["auditor", "support_agent"])
def test_it_refuses_steps_messages_and_assignment_to_non_officers(client_as, customer, persona):
    request = file_request(customer)
    client = client_as(persona)
    assert client.post(step_url(request, "reject"), {"reason": "No"}).status_code == 403
    url = reverse("admin:subject_requests_subjectrequest_message", args=[request.pk])
    assert client.post(url, {"body": "Hello"}).status_code == 403
    client.post(LIST, {"action": "assign_to", "_selected_action": [request.pk], "apply": "1", "assignee": ""})
    request.refresh_from_db()
    assert request.status == Status.OPEN
    assert not RequestMessage.objects.filter(kind="to_subject").exists()


def test_it_offers_no_delete_and_no_edit_form(client_as, customer):
    request = file_request(customer)
    client = client_as("officer")
    assert client.get(reverse("admin:subject_requests_subjectrequest_delete", args=[request.pk])).status_code == 403
    assert client.post(request_page(request), {"status": "completed"}).status_code == 405
    assert "delete_selected" not in client.get(LIST).content.decode()
    request.refresh_from_db()
    assert request.status == Status.OPEN


# --- The list ----------------------------------------------------------------------------------------


def test_it_lists_with_a_deadline_clock_in_bounded_queries(client_as, django_assert_max_num_queries, officer):
    for _index in range(3):
        request = file_request(UserFactory(), request_type="access")
        request.assignee = officer
        request.save()
    client = client_as("officer")
    client.get(LIST)
    with django_assert_max_num_queries(24) as captured:
        response = client.get(LIST)
    few = len(captured)
    for _index in range(12):
        file_request(UserFactory(), request_type="erasure", email="")
    with django_assert_max_num_queries(few):
        response = client.get(LIST)
    assert response.status_code == 200
    assert "days left" in response.content.decode()


def test_it_marks_overdue_and_paused_requests_in_the_list(client_as, customer, other_customer):
    with time_machine.travel(NOW - timedelta(days=60), tick=False):
        late = file_request(customer)
        paused = file_request(other_customer)
    paused.paused_since = NOW - timedelta(days=1)
    paused.save()
    with time_machine.travel(NOW, tick=False):
        body = client_as("officer").get(LIST).content.decode()
    assert "clock-overdue" in body
    assert "clock-paused" in body
    assert late.short_reference in body


def test_it_filters_due_soon_and_overdue(client_as, customer, other_customer):
    third = UserFactory()
    with time_machine.travel(NOW - timedelta(days=40), tick=False):
        overdue = file_request(customer)  # a month: due ~2 Feb + roll → overdue on 2 March
    with time_machine.travel(NOW - timedelta(days=27), tick=False):
        soon = file_request(other_customer)  # due within the week
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        later = file_request(third)
    with time_machine.travel(NOW, tick=False):
        client = client_as("officer")
        due_soon = client.get(LIST, {"due_soon": "yes"}).context["cl"].result_list
        late = client.get(LIST, {"overdue": "yes"}).context["cl"].result_list
    assert [r.pk for r in due_soon] == [soon.pk]
    assert [r.pk for r in late] == [overdue.pk]
    assert later.pk not in {r.pk for r in due_soon} | {r.pk for r in late}


def test_it_filters_by_assignee_status_type_and_channel(client_as, officer, customer, other_customer):
    mine = file_request(customer, channel="phone")
    mine.assignee = officer
    mine.save()
    nobodys = file_request(other_customer, request_type="erasure", channel="letter")
    client = client_as("officer")

    def listed(**query):
        return {r.pk for r in client.get(LIST, query).context["cl"].result_list}

    assert listed(assignee="me") == {mine.pk}
    assert listed(assignee="none") == {nobodys.pk}
    assert listed(assignee=str(officer.pk)) == {mine.pk}
    assert listed(request_type__exact="erasure") == {nobodys.pk}
    assert listed(channel__exact="phone") == {mine.pk}
    assert listed(status__exact="open") == {mine.pk, nobodys.pk}
    assert officer.email in client.get(LIST).content.decode()  # the assignee filter names each officer


def test_it_searches_by_reference_prefix_short_reference_and_email(client_as, customer, other_customer):
    mine = file_request(customer)
    theirs = file_request(other_customer)
    public = file_request(email="no-account@example.test")
    client = client_as("officer")

    def found(term):
        return {r.pk for r in client.get(LIST, {"q": term}).context["cl"].result_list}

    assert found(mine.short_reference) == {mine.pk}  # upper case, as quoted on the phone
    assert found(str(mine.reference)[:13]) == {mine.pk}  # with its hyphen
    assert found(str(mine.reference).upper()) == {mine.pk}
    assert found("other@example") == {theirs.pk}
    assert found("NO-ACCOUNT@") == {public.pk}
    assert found("zzzz not a thing") == set()
    # Auditors search by reference only.
    assert client_as("auditor").get(LIST, {"q": "other@example"}).context["cl"].result_list.count() == 0


def test_a_search_matching_more_accounts_than_it_reads_says_so(client_as, monkeypatch):
    from apps.subject_requests.admin import requests as request_admin

    monkeypatch.setattr(request_admin, "SUBJECT_MATCHES", 2)
    for n in range(3):
        file_request(UserFactory(email=f"same{n}@example.test"))
    client = client_as("officer")
    page = client.get(LIST, {"q": "same"}, follow=True).content.decode()
    assert "Type more of the address" in page
    page = client.get(LIST, {"q": "same1"}, follow=True).content.decode()
    assert "Type more of the address" not in page


def test_it_assigns_in_bulk_after_choosing_the_officer(client_as, officer, second_officer, customer, other_customer):
    one, two = file_request(customer), file_request(other_customer)
    client = client_as("officer")
    chosen = {"action": "assign_to", "_selected_action": [one.pk, two.pk]}
    response = client.post(LIST, chosen)
    assert response.status_code == 200
    body = response.content.decode()
    assert "second-officer@example.test" in body
    assert one.short_reference in body
    one.refresh_from_db()
    assert one.assignee is None  # nothing yet: the officer chooses first
    response = client.post(LIST, {**chosen, "apply": "1", "assignee": second_officer.pk}, follow=True)
    assert "2 request(s) assigned to second-officer@example.test" in response.content.decode()
    assert set(SubjectRequest.objects.values_list("assignee", flat=True)) == {second_officer.pk}
    assert one.history.first().history_user_id == officer.pk


def test_it_refuses_to_assign_to_someone_who_is_not_an_officer(client_as, customer):
    request = file_request(customer)
    outsider = UserFactory(is_staff=True)
    response = client_as("officer").post(
        LIST, {"action": "assign_to", "_selected_action": [request.pk], "apply": "1", "assignee": outsider.pk}
    )
    assert response.status_code == 400
    request.refresh_from_db()
    assert request.assignee is None


# --- The request page --------------------------------------------------------------------------------


def test_it_shows_the_subject_summary_clock_timeline_and_related(client_as, officer, customer):
    customer.country = "GB"
    customer.save()
    request = file_request(customer, details="Please send all my data")
    older = file_request(customer, request_type="erasure")
    LegalHold.objects.create(
        subject=customer, reason="litigation", note="Claim", placed_by=officer, review_on=organisation_today()
    )
    ProcessingRestriction.objects.create(subject=customer, reason="Contested accuracy", placed_by=officer)
    RequestMessage.objects.create(request=request, kind="internal", body="Checked the CRM", author=officer)
    body = client_as("officer").get(request_page(request)).content.decode()
    assert reverse("admin:accounts_user_change", args=[customer.pk]) in body
    assert "United Kingdom" in body
    assert "Litigation" in body
    assert "All processing" in body
    assert "Please send all my data" in body
    assert "Checked the CRM" in body
    assert "Request received" in body  # the timeline, from the history
    assert older.short_reference in body  # related requests
    assert "Acknowledge by" in body
    assert f"{request.due_at:%Y-%m-%d}" in body


def test_auditors_do_not_see_the_rejection_reason(client_as, customer, officer):
    request = file_request(customer)
    subject_request_transition(
        request=request, to_status=Status.REJECTED, actor=officer, reason="Manifestly unfounded: 9 Elm Row"
    )
    url = reverse("admin:subject_requests_subjectrequest_change", args=[request.pk])
    assert "9 Elm Row" in client_as("officer").get(url).content.decode()
    assert "9 Elm Row" not in client_as("auditor").get(url).content.decode()
