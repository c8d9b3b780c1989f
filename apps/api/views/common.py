"""What every endpoint shares: problem details (RFC 9457), the key check with its scope, network
and rate limit, Idempotency-Key on writes, opaque cursors and the person token."""

from __future__ import annotations

import base64
import binascii
import copy
import json
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from apps.accounts.models import User
from apps.api.domain import body_fingerprint, client_allows_address
from apps.api.models import ApiClient, ApiKey
from apps.api.selectors import api_key_authenticate, idempotency_get, person_token_read
from apps.api.services import api_key_touch, idempotency_store, person_token_spend
from apps.core.http import client_ip

PROBLEM = "application/problem+json"
RATE_WINDOW_SECONDS = 60

# What the OpenAPI document says beyond what Ninja derives from the signatures, so a client
# generated from it (tests/api/test_generated_client.py) can make every call the server accepts:
# the Idempotency-Key header every write needs (read by ``idempotent`` below rather than declared
# as a Ninja parameter, so a missing one stays our 400 problem, not a pydantic 422), and problem
# details as the answer to any error (one ``Problem`` component, added in apps.api.views).
PROBLEM_SCHEMA = {
    "type": "object",
    "title": "Problem",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
    },
}


def openapi_extra(*, write: bool = False, responses: dict | None = None) -> dict:
    """An operation's ``openapi_extra``: problem details for errors, and for a ``write`` the
    Idempotency-Key header. A fresh dict each time (Ninja merges it into the operation)."""
    problem_response = {
        "description": "RFC 9457 problem details",
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    extra: dict[str, Any] = {"responses": {**(responses or {}), "default": problem_response}}
    if write:
        extra["parameters"] = [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "description": "Up to 200 characters, new for each new write; a retry sends the same again.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
            }
        ]
    return copy.deepcopy(extra)


class ApiError(Exception):
    """An answer other than success, turned into problem details by the API's handler."""

    def __init__(self, status: int, title: str, detail: str = "", *, errors: list | None = None, headers=None):
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.errors = errors
        self.headers = headers or {}


def problem(status: int, title: str, detail: str = "", *, errors: list | None = None, headers=None) -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def outside_networks() -> ApiError:
    """The refusal of a live key used from outside its client's networks."""
    return ApiError(403, _("Not allowed from this address"), _("This client's key is not accepted from here."))


class KeyAuth(HttpBearer):
    """``Authorization: Bearer <key>``. No key, or a wrong, revoked or expired one: None (401).
    A live key from outside the client's networks, or over its rate: an ApiError (403, 429)."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        # apps.api.middleware looked a key-shaped token up already: not a second lookup for it.
        checked = getattr(request, "api_key_checked", None)
        found = checked[1] if checked is not None and checked[0] == token.strip() else api_key_authenticate(token)
        if found is None:
            return None
        key, from_database = found
        client = key.client
        request.api_client = client  # type: ignore[attr-defined]  # the middleware logs the call with it
        if not client_allows_address(client, client_ip(request)):
            # apps.api.middleware refuses these before any view (limited, counted, sampled); this
            # stays for a call that reaches an endpoint without it.
            raise outside_networks()
        _rate_limit(request, client)
        if from_database:  # a cached key is at most a minute old: noting its use can wait for the next read
            api_key_touch(key=key)
        return key


def _rate_limit(request: HttpRequest, client: ApiClient) -> None:
    now = time.time()
    window = int(now // RATE_WINDOW_SECONDS)
    cache_key = f"api:rate:{client.pk}:{window}"
    cache.add(cache_key, 0, RATE_WINDOW_SECONDS * 2)
    used = cache.incr(cache_key)
    limit = client.rate_limit_per_minute
    reset = int((window + 1) * RATE_WINDOW_SECONDS - now) or 1
    headers = {
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(max(0, limit - used)),
        "RateLimit-Reset": str(reset),
    }
    request.api_rate_headers = headers  # type: ignore[attr-defined]
    if used > limit:
        raise ApiError(
            429,
            _("Too many calls"),
            _("This client may make %(limit)s calls a minute.") % {"limit": limit},
            headers={**headers, "Retry-After": str(reset)},
        )


def client_of(request: HttpRequest, scope: str) -> ApiClient:
    """The calling client, if its key carries ``scope`` (else 403)."""
    client: ApiClient = request.auth.client  # type: ignore[attr-defined]
    if scope not in (client.scopes or []):
        raise ApiError(
            403, _("Missing scope"), _("This client's key does not carry the scope %(scope)s.") % {"scope": scope}
        )
    return client


def person_of(token: str, *, spend: bool = False) -> User:
    """The person a token proves; ``spend``: accept this token once only (for its lifetime)."""
    person = person_token_read(token)
    if person is not None and spend and not person_token_spend(token):
        raise ApiError(
            422,
            _("Person token already used"),
            _("This person token has already filed an erasure; ask the portal for a new one while signed in."),
            errors=[{"loc": ["body", "person_token"], "msg": _("Already used.")}],
        )
    if person is None:
        raise ApiError(
            422,
            _("Person not proven"),
            _("The person token is missing, altered or expired; ask the portal for a new one while signed in."),
            errors=[{"loc": ["body", "person_token"], "msg": _("Not a valid person token.")}],
        )
    return person


def idempotent(
    request: HttpRequest, *, client: ApiClient, endpoint: str, payload: Any, run: Callable[[], tuple[int, Any]]
) -> HttpResponse:
    """Run a write once per Idempotency-Key: a retry gets the stored answer, never a second write.

    The same key with a different body is a client's mistake, answered 422 (not the old answer).
    """
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 200:
        raise ApiError(
            400, _("Idempotency-Key needed"), _("Every POST needs an Idempotency-Key header of at most 200 characters.")
        )
    fingerprint = body_fingerprint({"endpoint": endpoint, "body": payload})
    stored = idempotency_get(client=client, key=key)
    if stored is None:
        with transaction.atomic():
            status, body = run()
            stored = idempotency_store(
                client=client, key=key, endpoint=endpoint, fingerprint=fingerprint, status=status, body=body
            )
            if stored is None:
                # Another call with this key won the race: undo ours and let the client retry.
                raise ApiError(409, _("Same key in flight"), _("A call with this Idempotency-Key is being answered."))
        return JsonResponse(body, status=status, safe=False)
    if stored.fingerprint != fingerprint:
        raise ApiError(
            422,
            _("Idempotency-Key reused"),
            _("This Idempotency-Key was used with a different request; use a new key for a new request."),
        )
    response = JsonResponse(stored.body, status=stored.status, safe=False)
    response["Idempotent-Replayed"] = "true"
    return response


def cursor_encode(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")


def cursor_decode(cursor: str | None) -> dict:
    if not cursor:
        return {}
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, _("Bad cursor"), _("Pass back a cursor exactly as the API gave it.")) from exc
    if not isinstance(value, dict):
        raise ApiError(400, _("Bad cursor"), _("Pass back a cursor exactly as the API gave it."))
    return value
