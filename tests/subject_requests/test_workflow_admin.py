"""The officer's steps on the request page (valid ones only), messages and notes, applying a
rectification, approval by a second officer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from apps.accounts.domain import PRIVACY_OFFICER
from apps.subject_requests.models import Jurisdiction, RequestMessage, SubjectRequest
from apps.subject_requests.services.intake import subject_request_create
from apps.subject_requests.services.requests import subject_request_transition
from apps.subject_requests.services.workflow import subject_requests_assign
from tests.factories import UserFactory
from tests.helpers import add_authenticator, make_staff, sign_in
from tests.helpers.requests import file_request, request_page, step_url

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status


# --- Steps -----------------------------------------------------------------------------------------


def test_it_offers_only_the_next_valid_steps(client_as, officer, customer):
    request = file_request(customer)
    body = client_as("officer").get(request_page(request)).content.decode()
    for code in ("start", "reject", "withdraw", "pause", "extend"):
        assert f'data-step="{code}"' in body
    for code in ("approve", "complete", "resume", "send_for_approval", "open"):
        assert f'data-step="{code}"' not in body
    subject_request_transition(request=request, to_status=Status.REJECTED, actor=officer, reason="Manifestly unfounded")
    body = client_as("officer").get(request_page(request)).content.decode()
    assert 'data-step="' not in body


def test_it_refuses_an_invalid_step_and_changes_nothing(client_as, officer, customer):
    request = file_request(customer)
    subject_request_transition(request=request, to_status=Status.REJECTED, actor=officer, reason="Unfounded")
    before = request.history.count()
    client = client_as("officer")
    for code in ("start", "approve", "reject", "resume", "complete"):
        response = client.post(step_url(request, code), {"reason": "again"})
        assert response.status_code in (403, 409), code
    assert client.post(step_url(request, "no-such-step"), {"reason": "x"}).status_code == 404
    request.refresh_from_db()
    assert request.status == Status.REJECTED
    assert request.history.count() == before


def test_it_rejects_only_with_a_reason_and_names_the_authority(client_as, customer):
    customer.country = "GB"
    customer.save()
    request = file_request(customer)
    client = client_as("officer")
    confirm = client.get(step_url(request, "reject")).content.decode()
    assert "right to complain to Information Commissioner" in confirm
    response = client.post(step_url(request, "reject"), {"reason": "   "})
    assert response.status_code == 400
    assert "Give the reason" in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.OPEN
    response = client.post(step_url(request, "reject"), {"reason": "We hold no data about you."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.rejection_reason) == (Status.REJECTED, "We hold no data about you.")


@pytest.mark.parametrize("code", ["pause", "extend"])
def test_it_needs_a_reason_to_pause_or_extend(client_as, customer, code):
    request = file_request(customer)
    client = client_as("officer")
    assert client.post(step_url(request, code), {"reason": ""}).status_code == 400
    request.refresh_from_db()
    assert request.paused_since is None
    assert request.extended_to is None
    assert (
        client.post(step_url(request, code), {"reason": "Waiting for the address they wrote from"}).status_code == 302
    )
    request.refresh_from_db()
    assert request.paused_since is not None if code == "pause" else request.extended_to is not None


def test_it_pauses_then_resumes_the_clock(client_as, customer):
    request = file_request(customer)
    client = client_as("officer")
    client.post(step_url(request, "pause"), {"reason": "Which account do you mean?"})
    body = client.get(request_page(request)).content.decode()
    assert 'data-step="resume"' in body
    assert 'data-step="pause"' not in body
    assert client.post(step_url(request, "resume"), {"reason": ""}).status_code == 302
    request.refresh_from_db()
    assert request.paused_since is None


def test_it_starts_a_request_through_execution(client_as, officer, customer, django_capture_on_commit_callbacks):
    request = file_request(customer)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_as("officer").post(step_url(request, "start"), {"reason": ""})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert (request.execution_state, request.execution["started_by"]) == ("queued", officer.pk)
    assert callbacks  # the worker is asked after the commit


def test_a_second_officer_approves_what_the_first_sent(client_as, officer, second_officer, customer):
    request = file_request(customer, request_type="complaint")
    subject_request_transition(request=request, to_status=Status.IN_PROGRESS, actor=officer, reason="Started")
    first = client_as("officer")
    body = first.get(step_url(request, "send_for_approval")).content.decode()
    assert "Outcome, as told to the subject" in body
    assert first.post(step_url(request, "send_for_approval"), {"reason": ""}).status_code == 400
    outcome = "We apologised and changed how calls are logged."
    assert first.post(step_url(request, "send_for_approval"), {"reason": outcome}).status_code == 302
    request.refresh_from_db()
    assert request.status == Status.AWAITING_APPROVAL
    # The sender is not offered approval, and a forced POST changes nothing.
    assert 'data-step="approve"' not in first.get(request_page(request)).content.decode()
    assert first.post(step_url(request, "approve"), {"reason": ""}).status_code == 409
    second = sign_in(type(first)(), second_officer)
    assert 'data-step="approve"' in second.get(request_page(request)).content.decode()
    assert second.post(step_url(request, "approve"), {"reason": ""}).status_code == 302
    request.refresh_from_db()
    assert (request.status, request.outcome) == (Status.COMPLETED, outcome)


def test_an_officer_without_the_approve_permission_cannot_approve(client_as, officer, customer):
    request = file_request(customer, request_type="complaint")
    subject_request_transition(request=request, to_status=Status.IN_PROGRESS, actor=officer, reason="Started")
    subject_request_transition(
        request=request, to_status=Status.AWAITING_APPROVAL, actor=officer, reason="Check", outcome="Done"
    )
    limited = UserFactory(is_staff=True)
    group = Group.objects.create(name="Handlers only")
    from django.contrib.auth.models import Permission

    group.permissions.set(
        Permission.objects.filter(codename__in=["view_subjectrequest", "handle_subjectrequest", "view_user"])
    )
    limited.groups.add(group)
    add_authenticator(limited)
    client = sign_in(type(client_as("anonymous"))(), limited)
    assert client.post(step_url(request, "approve"), {"reason": ""}).status_code == 403
    request.refresh_from_db()
    assert request.status == Status.AWAITING_APPROVAL


def test_it_completes_a_complaint_with_its_outcome(client_as, officer, customer):
    request = file_request(customer, request_type="complaint")
    subject_request_transition(request=request, to_status=Status.IN_PROGRESS, actor=officer, reason="Started")
    client = client_as("officer")
    assert client.post(step_url(request, "complete"), {"reason": ""}).status_code == 400
    assert client.post(step_url(request, "complete"), {"reason": "We fixed the record."}).status_code == 302
    request.refresh_from_db()
    assert (request.status, request.outcome) == (Status.COMPLETED, "We fixed the record.")


def test_it_opens_an_unverified_request_with_a_described_check_only(client_as, customer):
    request, _ = subject_request_create(
        request_type="access", channel="web_form", actor=None, requester_email="someone@example.test"
    )
    client = client_as("officer")
    response = client.post(step_url(request, "open"), {"reason": "Passport 123456789 seen"})
    assert response.status_code == 400
    assert "long number" in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.AWAITING_VERIFICATION
    assert client.post(step_url(request, "open"), {"reason": "Called back on the number given"}).status_code == 302
    request.refresh_from_db()
    assert request.status == Status.OPEN


def test_it_shows_the_rectification_diff_and_applies_accepted_changes(client_as, officer, customer):
    customer.full_name = "Casey Custmer"
    customer.mailing_address = "1 Old Road"
    customer.save()
    request = file_request(
        customer,
        request_type="rectification",
        scope={"changes": {"full_name": "Casey Customer", "mailing_address": "2 New Road"}},
    )
    client = client_as("officer")
    body = client.get(request_page(request)).content.decode()
    assert "Casey Custmer" in body
    assert "Casey Customer" in body
    assert 'name="accept"' not in body  # not in progress yet
    subject_request_transition(request=request, to_status=Status.IN_PROGRESS, actor=officer, reason="Started")
    body = client.get(request_page(request)).content.decode()
    assert 'name="accept" value="full_name"' in body
    rectify = reverse("admin:subject_requests_subjectrequest_rectify", args=[request.pk])
    assert client.post(rectify, {"accept": ["full_name", "email"]}).status_code == 400  # not proposed
    customer.refresh_from_db()
    assert customer.full_name == "Casey Custmer"
    assert client.post(rectify, {"accept": ["full_name"]}).status_code == 302
    customer.refresh_from_db()
    request.refresh_from_db()
    assert (customer.full_name, customer.mailing_address) == ("Casey Customer", "1 Old Road")
    assert request.status == Status.COMPLETED


# --- Messages and notes ------------------------------------------------------------------------------


def test_it_sends_a_message_and_adds_a_note_separately(client_as, officer, customer):
    request = file_request(customer)
    client = client_as("officer")
    message_url = reverse("admin:subject_requests_subjectrequest_message", args=[request.pk])
    note_url = reverse("admin:subject_requests_subjectrequest_note", args=[request.pk])
    assert client.post(message_url, {"body": ""}).status_code == 400
    assert client.post(message_url, {"body": "Could you confirm your postcode?"}).status_code == 302
    assert client.post(note_url, {"body": "Called them; no answer"}).status_code == 302
    kinds = dict(RequestMessage.objects.filter(request=request).values_list("body", "kind"))
    assert kinds == {"Could you confirm your postcode?": "to_subject", "Called them; no answer": "internal"}
    assert client.get(message_url).status_code == 405


# --- Whose day (apps/core/clock.py) ---------------------------------------------------------------


def test_it_counts_the_days_paused_on_the_calendar_of_the_requests_law(client_as, customer):
    with time_machine.travel(datetime(2027, 3, 10, 16, 0, tzinfo=UTC), tick=False):  # 23:00 in Hanoi
        request = file_request(customer, jurisdiction=Jurisdiction.objects.get(code="vn"))
        client = client_as("officer")
        client.post(step_url(request, "pause"), {"reason": "Which account do you mean?"})
    with time_machine.travel(datetime(2027, 3, 10, 17, 30, tzinfo=UTC), tick=False):  # 00:30 the next day there
        client = client_as("officer")  # 90 minutes on: the idle staff session has ended
        client.post(step_url(request, "resume"), {"reason": ""})

    request.refresh_from_db()
    assert (request.paused_since, request.paused_days) == (None, 1)


def test_the_approver_keeps_the_button_after_assigning_the_request_to_herself(client, customer, officer):
    second = make_staff("second-officer@example.test", PRIVACY_OFFICER)
    request = file_request(customer, request_type="complaint")
    subject_request_transition(request=request, to_status=Status.IN_PROGRESS, actor=officer, reason="Started")
    subject_request_transition(
        request=request, to_status=Status.AWAITING_APPROVAL, actor=officer, reason="Check", outcome="Done"
    )
    subject_requests_assign(requests=[request], assignee=second, actor=second)
    page = sign_in(client, second).get(reverse("admin:subject_requests_subjectrequest_change", args=[request.pk]))
    assert 'data-step="approve"' in page.content.decode()
