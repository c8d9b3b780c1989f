"""One email per event (#16): received, completed (by the worker or an officer), rejected, a message.

Completing an access or portability request used to send two: the export's "ready to download"
and the request's "complete". The request's email carries the download link, so it is the one.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from apps.core.jobs import job_run_here
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.services.requests import subject_request_message, subject_request_transition
from apps.subject_requests.services.workflow import subject_request_complete
from tests.subject_requests.test_execution import file, run, started

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status


def subjects_to(address: str) -> list[str]:
    return [m.subject for m in mail.outbox if m.to == [address]]


def test_a_request_received_is_acknowledged_once(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = file("complaint", customer)
    for _attempt in range(2):  # a second delivery of the job sends nothing more
        with django_capture_on_commit_callbacks(execute=True):
            job_run_here(kind=SubjectRequest.ACKNOWLEDGEMENT_JOB_KIND, target=request.pk)

    assert len(subjects_to(customer.email)) == 1
    assert request.short_reference in subjects_to(customer.email)[0]


@pytest.mark.parametrize("request_type", ["access", "portability", "erasure", "restriction", "stop_processing"])
def test_a_request_the_worker_completes_sends_one_email(request_type, customer, django_capture_on_commit_callbacks):
    address = customer.email
    with django_capture_on_commit_callbacks(execute=True):
        request = started(request_type, customer)
    mail.outbox.clear()

    request = run(request, django_capture_on_commit_callbacks)

    assert request.status == Status.COMPLETED
    assert subjects_to(address) == [f"[Privacy Portal] Your request {request.short_reference} is complete"]
    assert request.outcome.splitlines()[0] in mail.outbox[0].body
    # Run again (a second delivery): nobody is told twice.
    run(request, django_capture_on_commit_callbacks)
    assert len(subjects_to(address)) == 1


def test_the_copy_of_the_data_is_linked_from_the_one_email(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = started("access", customer)
    mail.outbox.clear()

    run(request, django_capture_on_commit_callbacks)

    (email,) = mail.outbox
    assert reverse("personal_data:data") in email.body


def test_an_officer_completing_by_hand_sends_one_email(customer, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = started("complaint", customer, officer=officer)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        subject_request_complete(request=request, actor=officer, outcome="We looked into it and fixed the cause.")

    assert subjects_to(customer.email) == [f"[Privacy Portal] Your request {request.short_reference} is complete"]
    assert len(mail.outbox) == 1


def test_a_rejection_sends_one_email(customer, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = started("complaint", customer, officer=officer)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        subject_request_transition(request=request, to_status=Status.REJECTED, actor=officer, reason="Not ours.")

    assert len(subjects_to(customer.email)) == 1
    assert "Not ours." in mail.outbox[0].body


def test_a_message_from_the_officers_sends_one_email(customer, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = started("complaint", customer, officer=officer)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        subject_request_message(request=request, actor=officer, body="Which order do you mean?")

    assert len(subjects_to(customer.email)) == 1
    assert "Which order do you mean?" in mail.outbox[0].body


def test_the_public_form_sends_one_email_to_confirm_and_one_once_confirmed(client, django_capture_on_commit_callbacks):
    address = "walk-in@example.test"
    form = {"email": address, "name": "Wren Walk-in", "request_type": "erasure", "details": "", "jurisdiction": ""}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/privacy-request/", form).status_code == 302
    assert len(subjects_to(address)) == 1  # the link and code to confirm
    request = SubjectRequest.objects.get(requester_email=address)
    code = re.search(r"\b([A-Z0-9]{8})\b", mail.outbox[0].body.split("code", 1)[1]).group(1)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/requests/{request.reference}/confirm/", {"code": code})
        job_run_here(kind=SubjectRequest.ACKNOWLEDGEMENT_JOB_KIND, target=request.pk)

    request.refresh_from_db()
    assert request.status == Status.OPEN
    assert len(subjects_to(address)) == 2  # then the acknowledgement, once
    assert request.short_reference in subjects_to(address)[1]
