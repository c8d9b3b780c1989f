"""The API for the company's other systems, /api/v1/ (Django Ninja: pydantic schemas, OpenAPI 3
from the same code, Swagger UI served from our own static files).

Every error is problem details (RFC 9457): the handlers below cover what an endpoint raises, and
apps.api.middleware turns what Django answers itself (no such path, wrong method) into the same.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from apps.api.views import consent, feeds, requests
from apps.api.views.common import PROBLEM, PROBLEM_SCHEMA, ApiError, KeyAuth, problem

logger = logging.getLogger(__name__)


def _header(description: str, schema_type: str = "string") -> dict:
    return {"description": description, "schema": {"type": schema_type}}


def conventions_declare(operation: dict, *, read: bool) -> None:
    """Declare in an operation what apps.api.middleware and KeyAuth add to every call: on a read,
    If-None-Match, the ETag of a 200 and the 304 it earns; on any keyed call, the 429 past the
    client's rate (or the keyless limit) with Retry-After and the RateLimit-* headers."""
    responses = operation.setdefault("responses", {})
    if read:
        operation.setdefault("parameters", []).append(
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "description": "The ETag of an earlier answer: 304 without a body when nothing changed.",
                "schema": {"type": "string"},
            }
        )
        if 200 in responses:
            responses[200].setdefault("headers", {})["ETag"] = _header("This answer's version.")
        responses[304] = {"description": "Not modified: the answer is still the one the ETag names."}
    responses[429] = {
        "description": "Too many calls: wait Retry-After seconds.",
        "headers": {
            "Retry-After": _header("Seconds until the next minute's calls.", "integer"),
            "RateLimit-Limit": _header("Calls allowed a minute.", "integer"),
            "RateLimit-Remaining": _header("Calls left this minute.", "integer"),
            "RateLimit-Reset": _header("Seconds until the count starts again.", "integer"),
        },
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


class PortalApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        # The problem details every operation answers errors with (views.common.openapi_extra
        # points at it): one component, so a generated client has one Problem class.
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"].setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for methods in schema["paths"].values():
            for method, operation in methods.items():
                conventions_declare(operation, read=method == "get")
        return schema


api = PortalApi(
    title="Privacy Portal API",
    version="1",
    description=(
        "Ask before you use: consent checks, consent choices, requests filed for a signed-in person, "
        "and the suppression and restriction feeds. Authenticate with `Authorization: Bearer <key>`; "
        "send an `Idempotency-Key` header with every POST; errors are RFC 9457 problem details."
    ),
    auth=KeyAuth(),
    urls_namespace="api",
    docs_url="/docs",
)
api.add_router("", consent.router)
api.add_router("", requests.router)
api.add_router("", feeds.router)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError):
    return problem(exc.status, exc.title, exc.detail, errors=exc.errors, headers=exc.headers)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError):
    detail = _("Send a live key as 'Authorization: Bearer <key>'; this one is missing, unknown, revoked or expired.")
    return problem(401, _("Not authenticated"), detail, headers={"WWW-Authenticate": "Bearer"})


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError):
    errors = [{"loc": list(error.get("loc", [])), "msg": str(error.get("msg", ""))} for error in exc.errors[:50]]
    return problem(
        422, _("Invalid request"), _("Some fields are missing or wrong; nothing was changed."), errors=errors
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError):
    return problem(exc.status_code, str(exc.message) or _("Bad request"))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404):
    return problem(404, _("Not found"))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig):
    return problem(413, _("Request too large"), _("Send fewer identifiers in one call; nothing was changed."))


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation):
    return problem(400, _("Bad request"), _("Nothing was changed."))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception):
    logger.exception("API call failed")
    return problem(500, _("Server error"), _("Nothing was changed; try again later."))
