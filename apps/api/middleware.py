"""For every call under /api/: log it (client, endpoint, status; never the person's data), add
the rate-limit headers, answer If-None-Match on reads, and make sure an error Django answered
itself (no such path, wrong method, a body too large) is problem details like the API's own.

Calls without a live key (none, a wrong one, a revoked one, and the public documentation) are
rate-limited per client address in the cache, and not logged one row each: a flood of them
would otherwise fill the call log. They are counted in the cache per minute instead
(selectors.api_keyless_call_count), and the first of each minute is logged as a sample, so the
log still shows when keyless traffic came and what it was answered."""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from apps.api.domain import KEYLESS_COUNT_KEY, KEYLESS_WINDOW_SECONDS, key_parse
from apps.api.services import api_call_log
from apps.api.views.common import PROBLEM, problem
from apps.core.http import client_ip

TITLES = {404: _("Not found"), 405: _("Method not allowed"), 400: _("Bad request"), 413: _("Request too large")}


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        started = time.monotonic()
        keyless = Keyless(request)
        if not keyless.presents_key and keyless.over_limit():
            # No key to check at all: refused before any view or query runs.
            response = keyless.refusal()
        else:
            response = self.get_response(request)
        client = getattr(request, "api_client", None)
        if client is None:
            keyless.count()
            if keyless.over_limit() and response.status_code == 401:
                # A key-shaped guess cost one indexed lookup; past the limit it is answered as a flood.
                response = keyless.refusal()
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
        if client is None and not keyless.sampled():
            return response
        match = request.resolver_match
        api_call_log(
            client_id=client.pk if client is not None else None,
            endpoint=(match.url_name if match and match.url_name else "unknown"),
            method=request.method or "",
            status=response.status_code,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        return response


class Keyless:
    """The per-address counter of calls without a live key, in fixed one-minute windows."""

    def __init__(self, request: HttpRequest):
        self.now = time.time()
        self.window = int(self.now // KEYLESS_WINDOW_SECONDS)
        self.limit = settings.API_KEYLESS_CALLS_PER_MINUTE
        self.request = request
        authorization = request.headers.get("Authorization", "")
        scheme, _sep, token = authorization.partition(" ")
        self.presents_key = scheme.lower() == "bearer" and key_parse(token.strip()) is not None
        self.used: int | None = None

    @cached_property
    def key(self) -> str:
        # Worked out only for a call without a live key (a keyed call never needs it). The address
        # is hashed: a cache key is no place for a person's IP address in clear.
        address = hashlib.sha256((client_ip(self.request) or "unknown").encode()).hexdigest()[:32]
        return f"api:keyless:{address}:{self.window}"

    def over_limit(self) -> bool:
        if self.used is None:
            self.used = int(cache.get(self.key, 0) or 0)
        return self.used >= self.limit

    def count(self) -> None:
        ttl = KEYLESS_WINDOW_SECONDS * 2
        cache.add(self.key, 0, ttl)
        cache.add(KEYLESS_COUNT_KEY.format(window=self.window), 0, ttl * 60)
        try:
            # The address's count before this call decides over_limit(); the total is for the admin.
            self.used = cache.incr(self.key) - 1
            cache.incr(KEYLESS_COUNT_KEY.format(window=self.window))
        except ValueError:  # the entry expired between add and incr: count from here
            self.used = 0

    def sampled(self) -> bool:
        """True for the first keyless call of each minute, the one that is logged."""
        return bool(cache.add(f"api:keyless-sampled:{self.window}", 1, KEYLESS_WINDOW_SECONDS * 2))

    def refusal(self) -> HttpResponse:
        reset = int((self.window + 1) * KEYLESS_WINDOW_SECONDS - self.now) or 1
        return problem(
            429,
            _("Too many calls"),
            _("Too many calls without a valid key from this address; wait and send a live key."),
            headers={"Retry-After": str(reset), "RateLimit-Limit": str(self.limit), "RateLimit-Remaining": "0"},
        )
