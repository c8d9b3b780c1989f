"""The officer's admin of subject requests: who may open what, the list, its filters and search,
bulk assignment, the request page, its steps (valid ones only), messages, notes and files."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.accounts.domain import PRIVACY_OFFICER
from apps.consent.models import ProcessingRestriction
from apps.core.clock import organisation_today
from apps.retention.models import LegalHold
from apps.subject_requests.models import Jurisdiction, RequestAttachment, RequestMessage, SubjectRequest
from apps.subject_requests.services import subject_request_create, subject_request_transition
from tests.factories import UserFactory
from tests.helpers import add_authenticator, make_staff, sign_in

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status
LIST = reverse("admin:subject_requests_subjectrequest_changelist")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday


def file_request(subject=None, *, request_type="access", email="", received_at=None, channel="email", **extra):
    request, created = subject_request_create(
        request_type=request_type,
        channel=channel,
        actor=None,
        subject=subject,
        requester_email=email,
        requester_name="Sam Someone" if email else "",
        received_at=received_at,
        verification_method="officer",
        verification_note="Replied from the account's address",
        **extra,
    )
    assert created
    return request


def page(request: SubjectRequest) -> str:
    return reverse("admin:subject_requests_subjectrequest_change", args=[request.pk])


def step_url(request: SubjectRequest, code: str) -> str:
    return reverse("admin:subject_requests_subjectrequest_step", args=[request.pk, code])


@pytest.fixture
def second_officer(db):
    return make_staff("second-officer@example.test", PRIVACY_OFFICER)


# --- Who may and who may not ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"), [("officer", 200), ("auditor", 200), ("support_agent", 403), ("customer", 302)]
)
def test_it_shows_the_list_and_page_to_officers_and_auditors_only(client_as, customer, persona, status):
    request = file_request(customer)
    client = client_as(persona)
    assert client.get(LIST).status_code == status
    assert client.get(page(request)).status_code == status


def test_it_hides_the_subject_messages_and_files_from_auditors(client_as, customer, officer):
    request = file_request(customer, details="Everything you hold about my calls")
    RequestMessage.objects.create(request=request, kind="internal", body="Secret internal note", author=officer)
    listing = client_as("auditor").get(LIST).content.decode()
    assert customer.email not in listing
    assert request.short_reference in listing
    body = client_as("auditor").get(page(request)).content.decode()
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
    assert client.post(page(request), {"status": "completed"}).status_code == 405
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
    body = client_as("officer").get(page(request)).content.decode()
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


def test_it_offers_only_the_next_valid_steps(client_as, officer, customer):
    request = file_request(customer)
    body = client_as("officer").get(page(request)).content.decode()
    for code in ("start", "reject", "withdraw", "pause", "extend"):
        assert f'data-step="{code}"' in body
    for code in ("approve", "complete", "resume", "send_for_approval", "open"):
        assert f'data-step="{code}"' not in body
    subject_request_transition(request=request, to_status=Status.REJECTED, actor=officer, reason="Manifestly unfounded")
    body = client_as("officer").get(page(request)).content.decode()
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
    body = client.get(page(request)).content.decode()
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
    assert (request.execution["state"], request.execution["started_by"]) == ("queued", officer.pk)
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
    assert 'data-step="approve"' not in first.get(page(request)).content.decode()
    assert first.post(step_url(request, "approve"), {"reason": ""}).status_code == 409
    second = sign_in(type(first)(), second_officer)
    assert 'data-step="approve"' in second.get(page(request)).content.decode()
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
    body = client.get(page(request)).content.decode()
    assert "Casey Custmer" in body
    assert "Casey Customer" in body
    assert 'name="accept"' not in body  # not in progress yet
    subject_request_transition(request=request, to_status=Status.IN_PROGRESS, actor=officer, reason="Started")
    body = client.get(page(request)).content.decode()
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


# --- Attachments -------------------------------------------------------------------------------------


def attach(client, request, upload):
    url = reverse("admin:subject_requests_subjectrequest_attach", args=[request.pk])
    return client.post(url, {"file": upload})


def test_it_keeps_and_serves_an_attachment_to_officers_only(client_as, customer):
    request = file_request(customer)
    client = client_as("officer")
    response = attach(client, request, SimpleUploadedFile("letter.pdf", b"%PDF-1.4 the letter", "application/pdf"))
    assert response.status_code == 302
    attachment = RequestAttachment.objects.get()
    assert attachment.content_type == "application/pdf"
    assert "letter" not in attachment.file.name  # stored under a random name
    url = reverse("admin:subject_requests_subjectrequest_attachment", args=[request.pk, attachment.pk])
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 the letter"
    assert client_as("auditor").get(url).status_code == 403
    assert client_as("support_agent").get(url).status_code == 403
    other = file_request(UserFactory())
    wrong = reverse("admin:subject_requests_subjectrequest_attachment", args=[other.pk, attachment.pk])
    assert client.get(wrong).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("run.exe", b"MZ\x90\x00binary", "Attach a PDF, PNG, JPEG"),
        ("fake.pdf", b"just text", "does not match its name"),
        ("empty.txt", b"", "empty"),
    ],
)
def test_it_refuses_files_of_other_types(client_as, customer, name, content, error):
    request = file_request(customer)
    response = attach(client_as("officer"), request, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not RequestAttachment.objects.exists()


def test_it_refuses_files_over_10_mb(client_as, customer, monkeypatch):
    monkeypatch.setattr("apps.subject_requests.admin.forms.ATTACHMENT_MAX_BYTES", 1024)
    request = file_request(customer)
    response = attach(client_as("officer"), request, SimpleUploadedFile("big.txt", b"a" * 2048))
    assert response.status_code == 400
    assert "attach files of up to 1.0\xa0KB" in response.content.decode()
    assert not RequestAttachment.objects.exists()


def test_it_accepts_an_email_file(client_as, customer):
    request = file_request(customer)
    eml = b"From: someone@example.test\r\nSubject: My data\r\n\r\nPlease send it."
    assert attach(client_as("officer"), request, SimpleUploadedFile("mail.eml", eml)).status_code == 302
    assert RequestAttachment.objects.get().content_type == "message/rfc822"


# --- Jurisdictions -----------------------------------------------------------------------------------


def jurisdiction_form(jurisdiction, **overrides):
    data = {
        "name": jurisdiction.name,
        "counsel_note": jurisdiction.counsel_note,
        "authority_name": jurisdiction.authority_name,
        "authority_url": jurisdiction.authority_url,
        "acknowledge_amount": jurisdiction.acknowledge_amount,
        "acknowledge_unit": jurisdiction.acknowledge_unit,
        "respond_amount": jurisdiction.respond_amount,
        "respond_unit": jurisdiction.respond_unit,
        "extension_amount": jurisdiction.extension_amount,
        "extension_unit": jurisdiction.extension_unit,
        "roll_forward": "on" if jurisdiction.roll_forward else "",
        "pauses_clock": "on" if jurisdiction.pauses_clock else "",
        "type_terms": json.dumps(jurisdiction.type_terms),
        "calendar": jurisdiction.calendar,
        "timezone": jurisdiction.timezone,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def test_it_tells_officers_to_verify_seeded_jurisdictions_with_counsel(client_as):
    uk = Jurisdiction.objects.get(code="uk")
    body = client_as("officer").get(reverse("admin:subject_requests_jurisdiction_change", args=[uk.pk])).content
    assert b"verify with counsel" in body


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"calendar": "XX"}, "calendar", "no calendar by this code"),
        ({"timezone": "Mars/Olympus"}, "timezone", "IANA time zone"),
        ({"type_terms": '{"withdrawal": {"respond": [15, "weeks"]}}'}, "type_terms", "[amount, unit]"),
        ({"type_terms": '{"everything": {}}'}, "type_terms", "Unknown request type"),
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
    latest = uk.history.order_by("-history_date").first()
    assert (latest.counsel_note, latest.history_user) == ("Checked with counsel, 2026-03", officer)
    history = client_as("auditor").get(reverse("admin:subject_requests_jurisdiction_history", args=[uk.pk]))
    assert history.status_code == 200
    assert client_as("auditor").post(url, jurisdiction_form(uk, name="Changed")).status_code == 403
    assert (
        client_as("officer").get(reverse("admin:subject_requests_jurisdiction_delete", args=[uk.pk])).status_code == 403
    )


# --- Whose day (apps/core/clock.py) ---------------------------------------------------------------


def test_it_counts_the_days_paused_on_the_calendar_of_the_requests_law(client_as, customer):
    with time_machine.travel(datetime(2027, 3, 10, 16, 0, tzinfo=UTC), tick=False):  # 23:00 in Hanoi
        request = file_request(customer, jurisdiction=Jurisdiction.objects.get(code="vn"))
        client = client_as("officer")
        client.post(step_url(request, "pause"), {"reason": "Which account do you mean?"})
    with time_machine.travel(datetime(2027, 3, 10, 17, 30, tzinfo=UTC), tick=False):  # 00:30 the next day there
        client.post(step_url(request, "resume"), {"reason": ""})

    request.refresh_from_db()
    assert (request.paused_since, request.paused_days) == (None, 1)
