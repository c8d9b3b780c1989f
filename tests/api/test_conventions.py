"""The conventions every endpoint keeps: scopes (the matrix), problem details for every error,
Idempotency-Key on POSTs, ETags on reads, nothing changed by bad input."""

import uuid

import pytest

from apps.api.domain import Scope
from apps.api.models import IdempotencyRecord
from apps.consent.models import ConsentEvent
from apps.subject_requests.models import SubjectRequest
from tests.api.conftest import Caller, is_problem

pytestmark = pytest.mark.django_db

REQUEST_REF = "00000000-0000-4000-8000-000000000000"
# Every endpoint, the scope it needs, and a call to it with a well-formed body.
ENDPOINTS = [
    (
        "POST",
        "/api/v1/consent/check",
        Scope.CONSENT_CHECK,
        {"purpose": "newsletter", "channel": "email", "person": {"email": "a@b.test"}},
    ),
    (
        "POST",
        "/api/v1/consent/check/batch",
        Scope.CONSENT_CHECK,
        {"purpose": "newsletter", "channel": "email", "people": [{"email": "a@b.test"}]},
    ),
    ("POST", "/api/v1/consent/choices", Scope.CONSENT_WRITE, None),  # body filled with a person token
    ("POST", "/api/v1/requests", Scope.REQUESTS_CREATE, None),
    ("GET", f"/api/v1/requests/{REQUEST_REF}", Scope.REQUESTS_READ, None),
    ("GET", "/api/v1/suppressions", Scope.SUPPRESSION_READ, None),
    ("GET", "/api/v1/restrictions", Scope.RESTRICTIONS_READ, None),
]


def body_for(path: str, token: str):
    if path.endswith("/consent/choices"):
        from apps.consent.models import Purpose

        text = Purpose.objects.get(code="newsletter").text_hash("en")
        return {"person_token": token, "purpose": "newsletter", "granted": True, "text_version": text, "source": "t"}
    if path.endswith("/requests"):
        return {"person_token": token, "request_type": "access", "details": "What do you hold?"}
    return None


def call(caller: Caller, method: str, path: str, body):
    return caller.get(path) if method == "GET" else caller.post(path, body)


def test_the_matrix_covers_every_operation_of_the_schema():
    from apps.api.views import api

    schema = api.get_openapi_schema()
    operations = {(m.upper(), p) for p, item in schema["paths"].items() for m in item}
    covered = {(m, p.replace(REQUEST_REF, "{reference}")) for m, p, _s, _b in ENDPOINTS}
    assert operations == covered


@pytest.mark.parametrize(("method", "path", "scope", "body"), ENDPOINTS, ids=lambda v: str(v)[:40])
@pytest.mark.parametrize("held", [*Scope.values, "none"])
def test_every_endpoint_needs_its_own_scope(make_client, person_token, method, path, scope, body, held):
    _client, key = make_client(scopes=[] if held == "none" else [held])
    response = call(Caller(key), method, path, body or body_for(path, person_token))
    if held == scope:
        assert response.status_code in (200, 201, 404), response.content[:300]  # 404: no such request
    else:
        assert is_problem(response, 403)


@pytest.mark.parametrize(("method", "path", "scope", "body"), ENDPOINTS, ids=lambda v: str(v)[:40])
def test_every_endpoint_refuses_a_revoked_key(make_client, officer, person_token, method, path, scope, body):
    from apps.api.services import api_client_revoke

    client, key = make_client()
    api_client_revoke(client=client, actor=officer)
    assert is_problem(call(Caller(key), method, path, body or body_for(path, person_token)), 401)


BAD_BODIES = [
    "not json",
    "[]",
    {},
    {"purpose": "no-such-purpose", "person": {"email": "a@b.test"}},
    {"purpose": "newsletter", "person": {"email": "a@b.test", "account": REQUEST_REF}},
    {"purpose": "newsletter", "person": {"account": "not-a-uuid"}},
    {"purpose": "newsletter", "person": {"email_hash": "xyz"}},
    {"purpose": "newsletter", "channel": "pigeon", "person": {"email": "a@b.test"}},
    {"purpose": "newsletter", "people": []},
    {"person_token": "forged", "purpose": "newsletter", "granted": True, "text_version": "x", "source": "t"},
    {"person_token": "forged", "request_type": "erasure"},
    {"person_token": "forged", "request_type": "no-such-type"},
]
POSTS = [path for method, path, _s, _b in ENDPOINTS if method == "POST"]


@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize("body", BAD_BODIES, ids=lambda v: str(v)[:50])
def test_bad_input_gets_problem_details_and_changes_nothing(caller, customer, path, body):
    events, requests = ConsentEvent.objects.count(), SubjectRequest.objects.count()
    response = caller.post(path, body)
    assert 400 <= response.status_code < 500
    assert is_problem(response, response.status_code)
    assert (ConsentEvent.objects.count(), SubjectRequest.objects.count()) == (events, requests)
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize(
    "query", ["cursor=%%%", "cursor=bm90IGpzb24", "cursor=WzFd", "limit=0", "limit=99999", "limit=x"]
)
@pytest.mark.parametrize("path", ["/api/v1/suppressions", "/api/v1/restrictions"])
def test_bad_query_on_feeds_gets_problem_details(caller, path, query):
    response = caller.get(f"{path}?{query}")
    assert is_problem(response, response.status_code)
    assert 400 <= response.status_code < 500


def test_a_bad_reference_is_a_404_problem(caller):
    assert is_problem(caller.get("/api/v1/requests/not-a-uuid"), 404)
    assert is_problem(caller.get(f"/api/v1/requests/{uuid.uuid4()}"), 404)


def test_unknown_paths_and_methods_are_problems_too(caller):
    assert is_problem(caller.get("/api/v1/no-such-thing"), 404)
    assert is_problem(Caller().get("/api/nothing"), 404)
    wrong = caller.http.delete("/api/v1/suppressions", headers=caller.headers())
    assert is_problem(wrong, 405)


def test_every_post_needs_an_idempotency_key(caller, person_token):
    for path in POSTS:
        if "check" in path:
            continue  # checks change nothing; a retry simply asks again
        response = caller.post(path, body_for(path, person_token), idempotency_key=None)
        assert is_problem(response, 400)
    assert not SubjectRequest.objects.exists()
    assert not ConsentEvent.objects.filter(method="account_page").exists()


def test_a_retry_gets_the_same_answer_and_files_once(caller, person_token):
    body = body_for("/api/v1/requests", person_token)
    first = caller.post("/api/v1/requests", body, idempotency_key="retry-1")
    again = caller.post("/api/v1/requests", body, idempotency_key="retry-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert SubjectRequest.objects.count() == 1
    other = caller.post("/api/v1/requests", {**body, "request_type": "portability"}, idempotency_key="retry-1")
    assert is_problem(other, 422)
    assert SubjectRequest.objects.count() == 1


def test_reads_carry_an_etag_and_answer_304(caller):
    first = caller.get("/api/v1/suppressions")
    assert first["ETag"]
    again = caller.get("/api/v1/suppressions", **{"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
