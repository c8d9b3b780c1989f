"""Regression tests for defects a review found in subject requests."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.accounts.domain import PRIVACY_OFFICER
from apps.subject_requests import selectors
from apps.subject_requests.deadlines import compute
from apps.subject_requests.models import Jurisdiction, SubjectRequest
from apps.subject_requests.services import (
    allowed_transitions,
    subject_request_confirm,
    subject_request_create,
    subject_request_issue_confirmation,
    subject_request_message,
    subject_request_pause,
    subject_request_transition,
    subject_request_verify,
    subject_requests_assign,
)
from tests.helpers import make_staff, sign_in

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status
UTC = ZoneInfo("UTC")


def file(subject=None, *, request_type="access", email="", received_at=None, channel="email", jurisdiction=None):
    request, _ = subject_request_create(
        request_type=request_type,
        channel=channel,
        actor=None,
        subject=subject,
        requester_email=email,
        received_at=received_at,
        jurisdiction=jurisdiction,
        verification_method="officer",
        verification_note="Replied from the account's address",
    )
    return request


def public(email: str, request_type: str = "erasure") -> tuple[SubjectRequest, str]:
    request, _ = subject_request_create(
        request_type=request_type, channel="web_form", actor=None, requester_email=email
    )
    return request, subject_request_issue_confirmation(request=request)


def test_an_erasure_under_way_can_no_longer_be_withdrawn_or_rejected(customer, officer):
    request = file(customer, request_type="erasure")
    subject_request_transition(request=request, to_status=Status.IN_PROGRESS, actor=officer, reason="Started")
    SubjectRequest.objects.filter(pk=request.pk).update(execution={"erasure": {"id": 1, "reference": "x"}})
    request.refresh_from_db()
    assert Status.WITHDRAWN not in allowed_transitions(request)
    for status in (Status.WITHDRAWN, Status.REJECTED):
        with pytest.raises(ValidationError, match="under way"):
            subject_request_transition(request=request, to_status=status, actor=customer, reason="Changed my mind")
    assert SubjectRequest.objects.get(pk=request.pk).status == Status.IN_PROGRESS


def test_a_california_deadline_is_shown_as_its_legal_date_not_the_utc_one(client, customer):
    received = datetime(2025, 3, 3, 18, tzinfo=UTC)
    request = file(customer, received_at=received, jurisdiction=Jurisdiction.objects.get(code="us-ca"))
    assert request.due_at.astimezone(UTC).date() == date(2025, 4, 18)  # end of the 17th in Los Angeles
    assert request.due_on == date(2025, 4, 17)
    status = client.get(reverse("subject_requests:status", args=[request.reference])).content.decode()
    assert "2025-04-17" in status
    assert "2025-04-18" not in status


def test_a_pause_near_a_month_end_still_adds_its_days():
    terms = Jurisdiction.objects.get(code="uk").terms("access")
    received = datetime(2025, 1, 29, 10, tzinfo=UTC)
    assert compute(terms, received_at=received).due_on == date(2025, 2, 28)
    assert compute(terms, received_at=received, paused_days=1).due_on == date(2025, 3, 3)  # 1 March is a Saturday


def test_a_request_awaiting_verification_cannot_be_paused(officer):
    request, _code = public("someone@example.test")
    with pytest.raises(ValidationError):
        subject_request_pause(request=request, actor=officer, reason="Send us a copy of a bill")


def test_a_received_date_from_long_ago_or_the_future_is_refused(customer):
    for received in (datetime(1, 1, 1, tzinfo=UTC), timezone.now() + timedelta(days=2)):
        with pytest.raises(ValidationError):
            file(customer, received_at=received)
    assert not SubjectRequest.objects.exists()


@pytest.mark.parametrize("term", [[100000, "months"], [True, "days"], [-1, "days"], [0, "days"], [15, "weeks"]])
def test_a_jurisdiction_refuses_absurd_terms(term):
    jurisdiction = Jurisdiction.objects.get(code="vn")
    jurisdiction.type_terms = {"access": {"respond": term}}
    with pytest.raises(ValidationError):
        jurisdiction.full_clean()


def test_an_officer_verifying_a_repeat_links_it_to_the_open_one(customer, officer):
    waiting, _code = public(customer.email)
    first = file(customer, request_type="erasure")
    result = subject_request_verify(request=waiting, actor=officer, note="Called back on the number on file.")
    assert result.pk == first.pk
    waiting.refresh_from_db()
    assert waiting.status == Status.WITHDRAWN
    assert waiting.duplicate_of_id == first.pk
    assert SubjectRequest.objects.filter(status=Status.OPEN).count() == 1


def test_an_address_only_request_and_the_accounts_own_are_one(customer):
    file(email=customer.email, request_type="objection")
    _again, created = subject_request_create(
        request_type="objection", channel="account", actor=customer, subject=customer, verification_method="signed_in"
    )
    assert not created


def test_auditors_do_not_see_the_rejection_reason(client_as, customer, officer):
    request = file(customer)
    subject_request_transition(
        request=request, to_status=Status.REJECTED, actor=officer, reason="Manifestly unfounded: 9 Elm Row"
    )
    url = reverse("admin:subject_requests_subjectrequest_change", args=[request.pk])
    assert "9 Elm Row" in client_as("officer").get(url).content.decode()
    assert "9 Elm Row" not in client_as("auditor").get(url).content.decode()


def test_a_paused_request_is_neither_overdue_nor_due_soon(customer, officer):
    request = file(customer, received_at=timezone.now() - timedelta(days=40))
    assert selectors.overdue(SubjectRequest.objects.all()).filter(pk=request.pk).exists()
    subject_request_pause(request=request, actor=officer, reason="Which account do you mean?")
    assert not selectors.overdue(SubjectRequest.objects.all()).exists()
    assert not selectors.due_soon(SubjectRequest.objects.all()).exists()


def test_requests_tied_to_no_one_are_not_related_to_each_other():
    one, _ = subject_request_create(
        request_type="erasure", channel="facebook", actor=None, verification_method="facebook"
    )
    two, _ = subject_request_create(
        request_type="erasure",
        channel="facebook",
        actor=None,
        verification_method="facebook",
        scope={"facebook_user_id": "2"},
    )
    assert not selectors.related_requests(one).exists()
    assert two.pk != one.pk


def test_the_approver_keeps_the_button_after_assigning_the_request_to_herself(client, customer, officer):
    second = make_staff("second-officer@example.test", PRIVACY_OFFICER)
    request = file(customer, request_type="complaint")
    subject_request_transition(request=request, to_status=Status.IN_PROGRESS, actor=officer, reason="Started")
    subject_request_transition(
        request=request, to_status=Status.AWAITING_APPROVAL, actor=officer, reason="Check", outcome="Done"
    )
    subject_requests_assign(requests=[request], assignee=second, actor=second)
    page = sign_in(client, second).get(reverse("admin:subject_requests_subjectrequest_change", args=[request.pk]))
    assert 'data-step="approve"' in page.content.decode()


def test_a_code_sent_again_works_no_longer_than_the_request_is_kept(customer):
    request, _first = public("late@example.test")
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        code = subject_request_issue_confirmation(request=request)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)), pytest.raises(ValidationError):
        subject_request_confirm(reference=str(request.reference), code=code)


def test_a_closed_request_takes_no_more_messages_from_its_subject(customer, officer):
    request = file(customer)
    subject_request_transition(request=request, to_status=Status.REJECTED, actor=officer, reason="Not ours")
    with pytest.raises(ValidationError):
        subject_request_message(request=request, actor=customer, body="But why?")


def test_someone_without_an_account_is_told_how_to_answer_a_message(officer):
    from django.core import mail
    from django.test import TestCase

    request = file(email="no-account@example.test", request_type="complaint")
    with TestCase.captureOnCommitCallbacks(execute=True):
        subject_request_message(request=request, actor=officer, body="Which date was the call?")
    body = mail.outbox[-1].body
    assert "quote the reference" in body
    assert reverse("subject_requests:status", args=[request.reference]) in body
    assert reverse("subject_requests:list") not in body


def test_the_assignee_is_told_when_the_subject_writes_without_the_message_itself(customer, officer):
    from django.core import mail
    from django.test import TestCase

    request = file(customer, request_type="complaint")
    subject_requests_assign(requests=[request], assignee=officer, actor=officer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        subject_request_message(request=request, actor=customer, body="My flat number is 4B, please note.")
    to_officer = [m for m in mail.outbox if m.to == [officer.email]]
    assert len(to_officer) == 1
    assert request.short_reference in to_officer[0].subject
    assert "flat number" not in to_officer[0].body  # (not "4B": a reference can hold those letters)
