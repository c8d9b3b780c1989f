"""Intake: deadlines set at once, duplicates linked, the public form's confirmation, expiry, an
officer's identity check."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.core.actors import SystemActor
from apps.retention.models import PurgeRun
from apps.retention.purge import purge
from apps.subject_requests.models import RequestAttachment, RequestMessage, SubjectRequest
from apps.subject_requests.services.intake import (
    subject_request_attach,
    subject_request_confirm,
    subject_request_create,
    subject_request_issue_confirmation,
    subject_request_verify,
)
from apps.subject_requests.services.requests import subject_request_message, subject_request_transition
from tests.helpers.requests import file_request

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status
SIGNED_IN = SubjectRequest.Verification.SIGNED_IN
UTC = ZoneInfo("UTC")


def test_a_signed_in_customers_request_opens_with_its_deadlines(customer):
    customer.country = "VN"
    customer.save()
    request, created = subject_request_create(
        request_type="withdrawal", channel="account", actor=customer, subject=customer, verification_method=SIGNED_IN
    )
    assert created
    assert request.status == Status.OPEN
    assert request.jurisdiction.code == "vn"
    assert request.requester_email == customer.email
    assert request.due_at.date() - request.received_at.date() in (timedelta(days=15), timedelta(days=16))
    assert request.acknowledge_by is not None


def test_an_open_request_of_the_same_type_is_linked_not_doubled(customer):
    first, _ = subject_request_create(
        request_type="access", channel="account", actor=customer, subject=customer, verification_method=SIGNED_IN
    )
    again, created = subject_request_create(
        request_type="access",
        channel="phone",
        actor=SystemActor("tests"),
        subject=customer,
        verification_method="officer",
    )
    assert not created
    assert again.pk == first.pk
    assert SubjectRequest.objects.count() == 1
    assert RequestMessage.objects.get(request=first).kind == RequestMessage.Kind.INTERNAL
    _other, created = subject_request_create(
        request_type="erasure", channel="account", actor=customer, subject=customer, verification_method=SIGNED_IN
    )
    assert created


def test_unknown_types_and_channels_are_refused(customer):
    with pytest.raises(ValidationError):
        subject_request_create(request_type="everything", channel="account", actor=customer, subject=customer)
    with pytest.raises(ValidationError):
        subject_request_create(request_type="access", channel="pigeon", actor=customer, subject=customer)
    assert not SubjectRequest.objects.exists()


def public_request(email: str = "someone@example.test") -> tuple[SubjectRequest, str]:
    request, _ = subject_request_create(
        request_type="erasure", channel="web_form", actor=None, requester_email=email, requester_name="Sam Someone"
    )
    return request, subject_request_issue_confirmation(request=request)


def test_a_public_request_exists_only_once_its_email_is_confirmed(customer):
    request, code = public_request(customer.email)
    assert request.status == Status.AWAITING_VERIFICATION
    for wrong in ("", "AAAAAAAA", code[:-1]):
        with pytest.raises(ValidationError):
            subject_request_confirm(reference=str(request.reference), code=wrong)
    later = timezone.now() + timedelta(days=2)
    with time_machine.travel(later, tick=False):
        confirmed = subject_request_confirm(reference=str(request.reference), code=code.lower())
    assert confirmed.status == Status.OPEN
    assert confirmed.received_at == later  # the clock starts at confirmation
    assert confirmed.subject == customer  # the link proved the address of this account
    with pytest.raises(ValidationError):  # a link works once
        subject_request_confirm(reference=str(request.reference), code=code)


def test_a_confirmation_code_expires_after_7_days():
    request, code = public_request()
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)), pytest.raises(ValidationError):
        subject_request_confirm(reference=str(request.reference), code=code)
    assert SubjectRequest.objects.get(pk=request.pk).status == Status.AWAITING_VERIFICATION


def test_unconfirmed_requests_expire_after_7_days_with_their_identity_data():
    request, _code = public_request()
    confirmed, code = public_request("kept@example.test")
    subject_request_confirm(reference=str(confirmed.reference), code=code)
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        purge(triggered_by=PurgeRun.Trigger.COMMAND, rule_code="unconfirmed-requests")
    assert SubjectRequest.objects.get(pk=request.pk).status == Status.AWAITING_VERIFICATION
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        run = purge(triggered_by=PurgeRun.Trigger.COMMAND, rule_code="unconfirmed-requests")
    assert run.progress["unconfirmed-requests"]["anonymised"] == 1
    expired = SubjectRequest.objects.get(pk=request.pk)
    assert expired.status == Status.EXPIRED
    assert expired.closed_at is not None
    assert expired.requester_email == ""
    assert expired.requester_name == ""
    assert not SubjectRequest.history.filter(id=request.pk, requester_email="someone@example.test").exists()
    assert not SubjectRequest.history.filter(id=request.pk, requester_name="Sam Someone").exists()
    assert SubjectRequest.objects.get(pk=confirmed.pk).requester_email == "kept@example.test"


def test_an_officer_verifies_a_waiting_request_and_its_clock_starts_then(officer, customer):
    request, _code = public_request(customer.email)
    later = timezone.now() + timedelta(days=3)
    with time_machine.travel(later, tick=False):
        verified = subject_request_verify(request=request, actor=officer, note="Called back on the number on file.")
    assert verified.status == Status.OPEN
    assert verified.received_at == later
    assert verified.verification_method == SubjectRequest.Verification.OFFICER
    assert verified.subject == customer
    assert verified.due_at > later
    with pytest.raises(ValidationError):
        subject_request_verify(request=verified, actor=officer, note="again")


# --- Duplicates, dates received, codes sent again -----------------------------------------------


def public(email: str, request_type: str = "erasure") -> tuple[SubjectRequest, str]:
    request, _ = subject_request_create(
        request_type=request_type, channel="web_form", actor=None, requester_email=email
    )
    return request, subject_request_issue_confirmation(request=request)


def test_a_received_date_from_long_ago_or_the_future_is_refused(customer):
    for received in (datetime(1, 1, 1, tzinfo=UTC), timezone.now() + timedelta(days=2)):
        with pytest.raises(ValidationError):
            file_request(customer, received_at=received)
    assert not SubjectRequest.objects.exists()


def test_an_officer_verifying_a_repeat_links_it_to_the_open_one(customer, officer):
    waiting, _code = public(customer.email)
    first = file_request(customer, request_type="erasure")
    result = subject_request_verify(request=waiting, actor=officer, note="Called back on the number on file.")
    assert result.pk == first.pk
    waiting.refresh_from_db()
    assert waiting.status == Status.WITHDRAWN
    assert waiting.duplicate_of_id == first.pk
    assert SubjectRequest.objects.filter(status=Status.OPEN).count() == 1


def test_an_address_only_request_and_the_accounts_own_are_one(customer):
    file_request(email=customer.email, request_type="objection")
    _again, created = subject_request_create(
        request_type="objection", channel="account", actor=customer, subject=customer, verification_method="signed_in"
    )
    assert not created


def test_a_code_sent_again_works_no_longer_than_the_request_is_kept(customer):
    request, _first = public("late@example.test")
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        code = subject_request_issue_confirmation(request=request)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)), pytest.raises(ValidationError):
        subject_request_confirm(reference=str(request.reference), code=code)


def test_closed_requests_proof_is_anonymised_three_years_after_closing(officer, customer):
    from apps.retention.models import RetentionRule

    rule = RetentionRule.objects.get(code="closed-requests-proof")
    assert (rule.period, rule.unit, rule.action, rule.trigger) == (3, "years", "anonymise", "request_closed")
    rule.full_clean()  # a rule the purge can carry out
    stranger, code = public_request("stranger@example.test")
    subject_request_confirm(reference=str(stranger.reference), code=code)
    mine = file_request(customer, request_type="erasure", scope={"facebook_user_id": "1234567890"})
    still_open = file_request(customer, request_type="access")
    for request in (stranger, mine):
        subject_request_transition(request=request, to_status=Status.REJECTED, actor=officer, reason="Not ours.")
    closed_at_of = dict(SubjectRequest.objects.values_list("pk", "closed_at"))
    closed_at = closed_at_of[mine.pk]

    with time_machine.travel(closed_at + timedelta(days=3 * 365 - 1)):
        run = purge(triggered_by=PurgeRun.Trigger.COMMAND, rule_code="closed-requests-proof")
    assert not run.progress["closed-requests-proof"].get("anonymised")
    with time_machine.travel(closed_at + timedelta(days=3 * 365 + 2)):
        run = purge(triggered_by=PurgeRun.Trigger.SCHEDULE)  # the daily purge, every rule
    assert run.progress["closed-requests-proof"]["anonymised"] == 2

    for request in (stranger, mine):
        kept = SubjectRequest.objects.get(pk=request.pk)
        assert (kept.subject, kept.requester_email, kept.requester_name, kept.scope) == (None, "", "", {})
        assert (kept.status, kept.channel, kept.closed_at) == (
            Status.REJECTED,
            request.channel,
            closed_at_of[request.pk],
        )
        assert kept.rejection_reason == ""  # the registry's anonymisation: words to the person go too
        assert kept.confirmation_digest == ""
        history = SubjectRequest.history.filter(id=request.pk)
        assert not history.filter(requester_email="stranger@example.test").exists()
        assert not history.filter(subject=customer).exists()
        assert not history.exclude(scope={}).exists()
    # An open request keeps its requester.
    assert SubjectRequest.objects.get(pk=still_open.pk).subject == customer


def test_closed_requests_proof_takes_the_requests_messages_and_attachments_with_it(officer, customer):
    mine = file_request(customer, request_type="erasure")
    subject_request_message(request=mine, actor=customer, body="My old address was 5 Lantern Row.")
    subject_request_message(request=mine, actor=officer, body="Dear Ms Customer, we found your account.")
    attachment = subject_request_attach(
        request=mine,
        upload=SimpleUploadedFile("passport-scan.pdf", b"%PDF-1.4 a passport", "application/pdf"),
        actor=officer,
    )
    stored, storage = attachment.file.name, attachment.file.storage
    assert storage.exists(stored)
    other = file_request(customer, request_type="access")  # still open: its words stay
    subject_request_message(request=other, actor=customer, body="Please send it by post.")
    subject_request_transition(request=mine, to_status=Status.REJECTED, actor=officer, reason="Not ours.")
    closed_at = SubjectRequest.objects.get(pk=mine.pk).closed_at

    with time_machine.travel(closed_at + timedelta(days=3 * 365 + 2)):
        run = purge(triggered_by=PurgeRun.Trigger.SCHEDULE)
    progress = run.progress["closed-requests-proof"]
    assert progress["anonymised"] == 1
    assert progress["related_rows"] == 3  # two messages, one attachment

    # The messages stay as a trace (kind, date, the officer who wrote), without the words, and
    # without the person as the author of their own.
    messages = list(RequestMessage.objects.filter(request=mine).order_by("pk"))
    assert [(m.kind, m.body) for m in messages] == [("from_subject", ""), ("to_subject", "")]
    assert [m.author_id for m in messages] == [None, officer.pk]
    # The attachment is gone, its name and its file.
    assert not RequestAttachment.objects.filter(request=mine).exists()
    assert not storage.exists(stored)
    assert "passport" not in str(list(RequestAttachment.objects.values_list("name", flat=True)))
    # The open request's message is untouched.
    assert RequestMessage.objects.get(request=other).body == "Please send it by post."
