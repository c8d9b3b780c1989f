"""Officer intake in the admin: a request received by email, phone or letter (P-31), and the letters
and emails kept with a request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.subject_requests.models import Jurisdiction, RequestAttachment, RequestMessage, SubjectRequest
from tests.factories import UserFactory
from tests.helpers.requests import file_request

pytestmark = pytest.mark.django_db
INTAKE = reverse("admin:subject_requests_subjectrequest_intake")


def form(**overrides):
    data = {
        "request_type": "access",
        "channel": "phone",
        "subject_email": "",
        "requester_email": "",
        "requester_name": "",
        "jurisdiction": "",
        "received_at": (timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "identity_check": "account_questions",
        "identity_note": "Answered the date of sign-up and the last order",
        "details": "Wants a copy of everything",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(("persona", "status"), [("officer", 200), ("auditor", 403), ("support_agent", 403)])
def test_it_lets_only_officers_record_a_request(client_as, persona, status):
    assert client_as(persona).get(INTAKE).status_code == status


def test_the_add_button_leads_to_the_intake(client_as):
    response = client_as("officer").get(reverse("admin:subject_requests_subjectrequest_add"))
    assert response.status_code == 302
    assert response["Location"] == INTAKE


@pytest.mark.parametrize("persona", ["auditor", "support_agent"])
def test_the_add_button_is_refused_to_those_who_may_not_record_one(client_as, persona):
    assert client_as(persona).get(reverse("admin:subject_requests_subjectrequest_add")).status_code == 403


def test_it_records_a_phone_request_for_an_account(client_as, officer, customer):
    customer.country = "VN"
    customer.save()
    response = client_as("officer").post(INTAKE, form(subject_email="CUSTOMER@example.test"))
    assert response.status_code == 302
    request = SubjectRequest.objects.get()
    assert response["Location"] == reverse("admin:subject_requests_subjectrequest_change", args=[request.pk])
    assert (request.subject, request.channel, request.status) == (customer, "phone", "open")
    assert request.jurisdiction.code == "vn"  # from the account's country
    assert request.verification_method == "officer"
    assert request.verification_note.endswith("Answered the date of sign-up and the last order")
    assert request.history.first().history_user == officer
    assert request.due_at is not None


def test_it_records_a_letter_from_someone_without_an_account(client_as):
    data = form(
        channel="letter",
        request_type="erasure",
        requester_email="writer@example.test",
        requester_name="Wren Writer",
        jurisdiction=str(Jurisdiction.objects.get(code="uk").pk),
        identity_check="postal_address",
        identity_note="Signed letter from the address we mailed",
    )
    letter = SimpleUploadedFile("letter.pdf", b"%PDF-1.4 a letter", "application/pdf")
    response = client_as("officer").post(INTAKE, {**data, "attachment": letter})
    assert response.status_code == 302
    request = SubjectRequest.objects.get()
    assert (request.subject, request.requester_email, request.requester_name) == (
        None,
        "writer@example.test",
        "Wren Writer",
    )
    assert request.jurisdiction.code == "uk"
    assert RequestAttachment.objects.get().request == request


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"subject_email": "nobody@example.test"}, "subject_email", "No account has this email"),
        ({}, "requester_email", "Give the account's email"),
        ({"requester_email": "a@example.test"}, "requester_name", "Give the requester's name"),
        (
            {"subject_email": "customer@example.test", "identity_note": "Passport 1234 5678 9 seen"},
            "identity_note",
            "long number",
        ),
        ({"subject_email": "customer@example.test", "identity_note": ""}, "identity_note", "Say how the person"),
        ({"subject_email": "customer@example.test", "channel": "account"}, "channel", "Select a valid choice"),
        ({"subject_email": "customer@example.test", "request_type": "everything"}, "request_type", "valid choice"),
        (
            {
                "subject_email": "customer@example.test",
                # Computed when the test runs, not when it is collected (see --clock).
                "received_at": lambda: (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            },
            "received_at",
            "cannot be in the future",
        ),
        ({"subject_email": "customer@example.test", "received_at": "yesterday"}, "received_at", "Enter a valid date"),
    ],
)
def test_it_refuses_bad_input_with_a_clear_message(client_as, customer, overrides, field, message):
    overrides = {name: value() if callable(value) else value for name, value in overrides.items()}
    response = client_as("officer").post(INTAKE, form(**overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not SubjectRequest.objects.exists()


def test_it_refuses_an_attachment_of_another_type_and_files_nothing(client_as, customer):
    upload = SimpleUploadedFile("macro.docm", b"PK\x03\x04 zipped")
    response = client_as("officer").post(INTAKE, {**form(subject_email=customer.email), "attachment": upload})
    assert response.status_code == 400
    assert "Attach a PDF, PNG, JPEG" in response.content.decode()
    assert not SubjectRequest.objects.exists()
    assert not RequestAttachment.objects.exists()


def test_a_duplicate_links_to_the_open_request(client_as, customer):
    client = client_as("officer")
    client.post(INTAKE, form(subject_email=customer.email))
    first = SubjectRequest.objects.get()
    response = client.post(INTAKE, form(subject_email=customer.email, channel="email"), follow=True)
    assert SubjectRequest.objects.count() == 1
    body = response.content.decode()
    assert "already has an open" in body
    assert reverse("admin:subject_requests_subjectrequest_change", args=[first.pk]) in body
    assert RequestMessage.objects.filter(request=first, kind="internal", body__contains="Asked again").exists()


# --- Whose day (apps/core/clock.py) ---------------------------------------------------------------


@time_machine.travel(datetime(2026, 12, 31, 17, 30, 45, tzinfo=UTC), tick=False)  # 00:30 on 1 January in Hanoi
def test_it_offers_the_organisations_time_as_when_the_request_came_in(settings, client_as):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    response = client_as("officer").get(INTAKE)
    assert f"{response.context['form'].initial['received_at']:%Y-%m-%d %H:%M:%S}" == "2027-01-01 00:30:00"
    assert 'value="2027-01-01T00:30"' in response.content.decode()


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
    monkeypatch.setattr("apps.subject_requests.domain.ATTACHMENT_MAX_BYTES", 1024)
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
