"""requests:create for a person the portal vouches for (its token), requests:read, the token page."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.api.selectors import person_token_read
from apps.api.services import person_token_issue
from apps.subject_requests.models import SubjectRequest
from tests.api.conftest import is_problem

pytestmark = pytest.mark.django_db
REQUESTS = "/api/v1/requests"


def test_it_files_an_erasure_for_the_signed_in_person_and_reads_it_back(caller, customer):
    body = {"person_token": person_token_issue(user=customer), "request_type": "erasure", "details": "Close it all."}
    response = caller.post(REQUESTS, body)
    assert response.status_code == 201, response.content
    filed = SubjectRequest.objects.get(subject=customer)
    assert filed.request_type == "erasure"
    assert filed.verification_method == SubjectRequest.Verification.SIGNED_IN
    assert "[system:api:" in filed.history.earliest().history_change_reason  # the client is the actor
    read = caller.get(f"{REQUESTS}/{filed.reference}")
    assert read.status_code == 200
    data = read.json()
    assert data["reference"] == str(filed.reference)
    assert data["status"] == filed.status
    assert data["due_at"]
    assert data["timeline"][0]["kind"] == "status"
    assert customer.email not in read.content.decode()


def test_erasure_needs_a_fresh_genuine_token(caller, customer):
    token = person_token_issue(user=customer)
    body = {"person_token": token[:-2] + "xx", "request_type": "erasure"}
    assert is_problem(caller.post(REQUESTS, body), 422)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert is_problem(caller.post(REQUESTS, {**body, "person_token": token}), 422)
    assert not SubjectRequest.objects.exists()


def test_a_second_request_of_the_same_type_returns_the_open_one(caller, customer):
    body = {"person_token": person_token_issue(user=customer), "request_type": "access"}
    first = caller.post(REQUESTS, body)
    second = caller.post(REQUESTS, body)  # a new Idempotency-Key: a new ask
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["reference"] == second.json()["reference"]


def test_the_token_page_gives_a_signed_in_person_a_token(client_as, customer):
    signed_in = client_as("customer")
    page = signed_in.get("/account/app-token/")
    assert page.status_code == 200
    assert b"<h1>" in page.content
    answer = signed_in.post("/account/app-token/", headers={"Accept": "application/json"})
    assert person_token_read(answer.json()["token"]) == customer
    assert client_as("anonymous").post("/account/app-token/").status_code == 302
