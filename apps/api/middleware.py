"""For every call under /api/: log it (client, endpoint, status; never the person's data), add
the rate-limit headers, answer If-None-Match on reads, and make sure an error Django answered
itself (no such path, wrong method, a body too large) is problem details like the API's own."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _

from apps.api.services import api_call_log
from apps.api.views.common import PROBLEM, problem

logger = logging.getLogger(__name__)
TITLES = {404: _("Not found"), 405: _("Method not allowed"), 400: _("Bad request"), 413: _("Request too large")}


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        started = time.monotonic()
        response = self.get_response(request)
        if response.status_code >= 400 and response.get("Content-Type", "") != PROBLEM:
            status = response.status_code
            converted = problem(status, str(TITLES.get(status, _("Error"))))
            if "Allow" in response:
                converted["Allow"] = response["Allow"]
            response = converted
        for name, value in getattr(request, "api_rate_headers", {}).items():
            response.setdefault(name, value)
        if request.method in ("GET", "HEAD") and response.status_code == 200 and not response.streaming:
            response["ETag"] = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
            response = get_conditional_response(request, etag=response["ETag"], response=response) or response
        client = getattr(request, "api_client", None)
        match = request.resolver_match
        call: dict[str, Any] = {
            "client_id": client.pk if client is not None else None,
            "endpoint": (match.url_name if match and match.url_name else "unknown"),
            "method": request.method or "",
        }
        if response.streaming:
            # The status line is sent before the body is made: log once the body is done, with
            # what really happened to it.
            response.streaming_content = _logged_stream(response.streaming_content, call, response.status_code, started)
            return response
        api_call_log(**call, status=response.status_code, duration_ms=_since(started))
        return response


# Logged for a streamed answer that failed, or that its client stopped reading, after its status
# line went out with 200 (499: nginx's "client closed request").
STREAM_FAILED, STREAM_ABANDONED = 500, 499


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _logged_stream(chunks: Iterator[bytes], call: dict[str, Any], status: int, started: float) -> Iterator[bytes]:
    outcome = STREAM_ABANDONED
    try:
        yield from chunks
        outcome = status
    except Exception:
        outcome = STREAM_FAILED
        logger.exception("API answer failed while streaming")
        raise
    finally:
        api_call_log(**call, status=outcome, duration_ms=_since(started))
