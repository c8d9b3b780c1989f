"""requests:create for a person the portal vouches for (its token), requests:read, the token page."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.api.selectors import person_token_read
from apps.api.services import person_token_issue
from apps.subject_requests.models import SubjectRequest
from tests.api.conftest import Caller, filed_on_the_pages, is_problem
from tests.helpers.auth import reauthenticate

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
    refused = signed_in.post("/account/app-token/", headers={"Accept": "application/json"})
    assert refused.status_code == 302  # the password first, as for filing a request on the pages
    reauthenticate(signed_in)
    answer = signed_in.post("/account/app-token/", headers={"Accept": "application/json"})
    assert person_token_read(answer.json()["token"]) == customer
    assert client_as("anonymous").post("/account/app-token/").status_code == 302


def test_an_erasure_spends_its_token_but_a_retry_gets_its_answer(caller, customer):
    token = person_token_issue(user=customer)
    body = {"person_token": token, "request_type": "erasure"}
    first = caller.post(REQUESTS, body, idempotency_key="erase-1")
    assert first.status_code == 201
    retry = caller.post(REQUESTS, body, idempotency_key="erase-1")  # the same call again: its stored answer
    assert retry.status_code == 201
    assert retry.json()["reference"] == first.json()["reference"]
    again = caller.post(REQUESTS, body, idempotency_key="erase-2")  # a new ask with the spent token
    assert is_problem(again, 422)
    assert "already" in again.json()["title"].lower()
    assert SubjectRequest.objects.filter(subject=customer).count() == 1


def test_minting_a_token_asks_for_the_password_again_when_the_sign_in_is_old(client_as, customer):
    signed_in = reauthenticate(client_as("customer"))
    with time_machine.travel(timezone.now() + timedelta(minutes=30)):
        answer = signed_in.post("/account/app-token/", headers={"Accept": "application/json"})
    assert answer.status_code == 302
    assert "reauthenticate" in answer["Location"]


def test_a_client_reads_only_the_requests_it_filed(caller, make_client, customer, other_customer):
    """requests:read is "read the status of requests it filed": another client's request, or one
    filed on the portal's own pages, is a 404 like an unknown reference (a 403 would confirm it)."""

    filed = caller.post(REQUESTS, {"person_token": person_token_issue(user=customer), "request_type": "access"})
    reference = filed.json()["reference"]
    assert caller.get(f"{REQUESTS}/{reference}").status_code == 200
    _other_client, other_key = make_client()
    assert is_problem(Caller(other_key).get(f"{REQUESTS}/{reference}"), 404)
    on_the_pages = filed_on_the_pages(other_customer, "portability")
    refused = caller.get(f"{REQUESTS}/{on_the_pages.reference}")
    assert is_problem(refused, 404)
    assert refused.json() == Caller(other_key).get(f"{REQUESTS}/{reference}").json()  # nothing tells them apart


def test_a_client_answered_with_the_persons_open_request_may_read_it(caller, make_client, customer):
    _first_client, first_key = make_client()
    token_body = {"request_type": "access"}
    first = Caller(first_key).post(REQUESTS, {**token_body, "person_token": person_token_issue(user=customer)})
    second = caller.post(REQUESTS, {**token_body, "person_token": person_token_issue(user=customer)})
    assert (first.status_code, second.status_code) == (201, 200)
    assert caller.get(f"{REQUESTS}/{second.json()['reference']}").status_code == 200
