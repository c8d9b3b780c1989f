"""An API client with a key, and a caller that sends it the way another system would."""

from __future__ import annotations

import itertools
import json

import pytest
from django.test import Client

from apps.api.domain import Scope
from apps.api.models import ApiClient
from apps.api.services import api_client_create, person_token_issue

_keys = itertools.count()


@pytest.fixture
def make_client(officer):
    """make_client(scopes=[...], **fields) → (ApiClient, its key)."""

    def make(scopes=tuple(Scope.values), **fields) -> tuple[ApiClient, str]:
        fields = {"name": f"system {next(_keys)}", "owner": "Mail team", "purpose": "Ask before sending", **fields}
        return api_client_create(client=ApiClient(scopes=list(scopes), **fields), actor=officer)

    return make


class Caller:
    def __init__(self, key: str = ""):
        self.key = key
        self.http = Client()
        self._idem = itertools.count()

    def headers(self, **extra) -> dict:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        return {**headers, **extra}

    def get(self, path: str, **headers):
        return self.http.get(path, headers=self.headers(**headers))

    def post(self, path: str, body, *, idempotency_key: str | None = "auto", **headers):
        if idempotency_key == "auto":
            idempotency_key = f"key-{next(self._idem)}-{id(self)}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.http.post(path, data=data, content_type="application/json", headers=self.headers(**headers))


@pytest.fixture
def caller(make_client) -> Caller:
    """A caller whose client holds every scope."""
    _client, key = make_client()
    return Caller(key)


@pytest.fixture
def person_token(customer) -> str:
    return person_token_issue(user=customer)


def is_problem(response, status: int) -> bool:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    return True


@pytest.fixture(autouse=True)
def _fresh_keyless_sample_window():
    """The middleware remembers, per process, the minute it last logged a keyless sample; each
    test starts as a fresh process would (tests share minutes, a process does not repeat one)."""
    from apps.api import middleware

    middleware._sampled.clear()


@pytest.fixture
def cache_down(settings):
    """The real fail-open Redis cache, with no Redis behind it: add() answers "added"."""
    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.FailOpenRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there: connection refused at once
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    assert cache.add("probe", 1) is True


def filed_on_the_pages(person, request_type: str = "access"):
    """A request the signed-in person filed on the portal's own pages, not through the API."""
    from apps.subject_requests.models import SubjectRequest
    from apps.subject_requests.services.intake import subject_request_create

    request, _created = subject_request_create(
        request_type=request_type,
        channel=SubjectRequest.Channel.ACCOUNT,
        verification_method=SubjectRequest.Verification.SIGNED_IN,
        subject=person,
        actor=person,
    )
    return request
