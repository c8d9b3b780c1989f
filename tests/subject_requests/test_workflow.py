"""The officers' steps as services: pausing the clock (what the subject is asked, when it may stop)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.subject_requests.models import RequestMessage, SubjectRequest
from apps.subject_requests.services.intake import subject_request_create, subject_request_issue_confirmation
from apps.subject_requests.services.workflow import subject_request_pause

pytestmark = pytest.mark.django_db
SIGNED_IN = SubjectRequest.Verification.SIGNED_IN


def public(email: str, request_type: str = "erasure") -> tuple[SubjectRequest, str]:
    request, _ = subject_request_create(
        request_type=request_type, channel="web_form", actor=None, requester_email=email
    )
    return request, subject_request_issue_confirmation(request=request)


def test_pausing_asks_the_subject_for_what_is_missing(officer, customer):
    request, _ = subject_request_create(
        request_type="access", channel="account", actor=customer, subject=customer, verification_method=SIGNED_IN
    )
    subject_request_pause(request=request, actor=officer, reason="Please confirm the postcode on your account.")
    message = RequestMessage.objects.get(request=request, kind=RequestMessage.Kind.TO_SUBJECT)
    assert "postcode" in message.body


def test_a_request_awaiting_verification_cannot_be_paused(officer):
    request, _code = public("someone@example.test")
    with pytest.raises(ValidationError):
        subject_request_pause(request=request, actor=officer, reason="Send us a copy of a bill")


def test_an_extension_that_would_not_end_after_the_due_date_is_refused(officer, customer):
    # Review finding 6: a rule stored before DeadlineRule.clean checked it (1 month from receipt
    # is the response period itself) must not let an extension move the deadline earlier or nowhere.
    from apps.subject_requests.models import DeadlineRule
    from apps.subject_requests.services.workflow import subject_request_extend
    from tests.helpers.requests import file_request

    request = file_request(customer)
    due_at = request.due_at
    DeadlineRule.objects.filter(jurisdiction=request.jurisdiction).update(extension_amount=1, extension_from="receipt")
    with pytest.raises(ValidationError, match="would not end after the first due date"):
        subject_request_extend(request=request, actor=officer, reason="Many systems to search.")
    request.refresh_from_db()
    assert (request.extended_to, request.due_at, request.extension_reason) == (None, due_at, "")
    assert not RequestMessage.objects.filter(request=request).exists()


def test_resuming_the_clock_never_moves_a_deadline_earlier(officer, customer):
    # Review finding 10: a Vietnamese request received in December 2025 falls under Decree 13/2023
    # (72 hours); one whose deadlines were set before rule versions existed was given Decree
    # 356/2025's 20 days. Resuming its clock must not make it overdue and unextendable at once.
    from datetime import UTC, datetime, timedelta

    import time_machine

    from apps.subject_requests.models import Jurisdiction
    from apps.subject_requests.services.workflow import subject_request_resume
    from tests.helpers.requests import file_request

    received = datetime(2025, 12, 20, 3, tzinfo=UTC)
    with time_machine.travel(datetime(2025, 12, 22, 3, tzinfo=UTC), tick=False):
        request = file_request(customer, received_at=received, jurisdiction=Jurisdiction.objects.get(code="vn"))
        assert request.due_at == received + timedelta(hours=72)  # the decree in force that day
        told = received + timedelta(days=20)  # what an install counted before rule versions
        SubjectRequest.objects.filter(pk=request.pk).update(due_at=told)
        request.refresh_from_db()
        subject_request_pause(request=request, actor=officer, reason="Which account do you mean?")
    with time_machine.travel(datetime(2025, 12, 24, 3, tzinfo=UTC), tick=False):
        resumed = subject_request_resume(request=request, actor=officer, reason="")
    assert resumed.paused_days == 2
    assert resumed.due_at == told
    resumed.refresh_from_db()
    assert resumed.due_at == told
