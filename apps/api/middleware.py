"""For every call under /api/: log it once the answer is sent (client, endpoint, status; never
the person's data), add the rate-limit headers, answer If-None-Match on reads, and make sure an
error Django answered itself (no such path, wrong method, a body too large) is problem details
like the API's own.

Calls without a live key (none, a wrong one, a revoked one; to any path: an endpoint, the public
documentation, a 404) are rate-limited per client address in the cache, before any view runs,
and not logged one row each: a flood of them would otherwise fill the call log. They are counted
in the cache per minute instead (selectors.api_keyless_call_count), and the first of each minute
is logged as a sample, so the log still shows when keyless traffic came and what it was answered.
A key-shaped key is looked up here, once (the endpoint's KeyAuth reuses the answer): a live key
never counts against its address, whatever the path.

Except a live key used from outside its client's networks (ApiClient.allowed_networks): such a
call is refused here, before any view, on any path (403), and is limited like a keyless call,
against the same per-address counter. Not against the client's own rate: a leaked key used from
elsewhere would then use up the legitimate client's calls and lock it out, while per address it
is the caller outside who runs out (and who gets the 429). It is counted per client and minute
(selectors.api_outside_call_counts, shown on the client's admin page: the key may have leaked),
and the first such call per client and minute is logged as a sample row, not every one.

Without Redis (the embedded default's database cache) ``incr`` is a read then a write, so
concurrent calls can both count as one: the limit is approximate there, exact on Redis."""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from apps.api.domain import (
    KEYLESS_COUNT_KEY,
    KEYLESS_WINDOW_SECONDS,
    OUTSIDE_COUNT_KEY,
    client_allows_address,
    key_is_live,
    key_parse,
)
from apps.api.models import ApiClient, ApiKey
from apps.api.selectors import api_key_find
from apps.api.services import api_call_log
from apps.api.views.common import PROBLEM, outside_networks, problem
from apps.core.http import client_ip

logger = logging.getLogger(__name__)
TITLES = {404: _("Not found"), 405: _("Method not allowed"), 400: _("Bad request"), 413: _("Request too large")}


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        started = time.monotonic()
        keyless = Keyless(request)
        live = keyless.live_key()
        # Pure Python on the key and client just read (cached): no statement on the allowed path.
        outside_of = (
            live.client if live is not None and not client_allows_address(live.client, client_ip(request)) else None
        )
        outside = outside_of is not None
        # Past the limit a call without a live key is refused before any view runs (a dead key's
        # owner still hears 401); so is one with a live key from outside its networks (module doc).
        over_limit = (live is None or outside) and keyless.count_and_check(outside_of)
        # Any: a streamed answer (the batch check) is not an HttpResponse, but goes through here too.
        response: Any
        if over_limit:
            response = keyless.refusal(outside=outside)
        elif outside:
            refused = outside_networks()
            response = problem(refused.status, refused.title, refused.detail)
        else:
            response = self.get_response(request)
        client = getattr(request, "api_client", None) or (live.client if live is not None else None)
        if (client is None or outside) and response.status_code in (401, 403, 429):
            # Counted and sampled in our own log: one django.request warning each would let a
            # flood fill the server's log instead.
            response._has_been_logged = True  # type: ignore[union-attr]
        if response.status_code >= 400 and response.get("Content-Type", "") != PROBLEM:
            status = response.status_code
            converted = problem(status, str(TITLES.get(status, _("Error"))))
            if "Allow" in response:
                converted["Allow"] = response["Allow"]
            converted._has_been_logged = getattr(response, "_has_been_logged", False)  # type: ignore[attr-defined]
            response = converted
        for name, value in getattr(request, "api_rate_headers", {}).items():
            response.setdefault(name, value)
        if request.method in ("GET", "HEAD") and response.status_code == 200 and not response.streaming:
            response["ETag"] = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
            response = get_conditional_response(request, etag=response["ETag"], response=response) or response
        if (client is None or outside) and not keyless.sampled(outside_of):
            return response
        match = request.resolver_match or _resolved(request)
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
        # Written once the answer has gone out: the server closes a response after sending it, so
        # the caller does not wait for the row of its own call (a third of a consent check's time
        # on PostgreSQL). The row still says how long the portal took to answer.
        logged = functools.partial(_log_closed, call, response.status_code, _since(started))
        response._resource_closers.append(logged)  # type: ignore[union-attr]
        return response


# The window this process last logged a sample in: of keyless calls (under None), of calls from
# outside a client's networks (under the client's id). The cache's add() alone decides it across
# processes, but a Redis cache that fails open (apps/core/cache.py) answers add() with True during
# an outage, which would log every such call: this keeps it to one a minute per process.
_sampled: dict[int | None, int] = {}
_sampled_lock = threading.Lock()


def _resolved(request: HttpRequest) -> Any:
    # A call refused before any view has no resolver_match yet: its sample row still names the
    # endpoint it asked for.
    try:
        return resolve(request.path_info)
    except Resolver404:
        return None


class Keyless:
    """The per-address counter of calls without a live key, or with one from outside its client's
    networks, in fixed one-minute windows."""

    def __init__(self, request: HttpRequest):
        self.now = time.time()
        self.window = int(self.now // KEYLESS_WINDOW_SECONDS)
        self.limit = settings.API_KEYLESS_CALLS_PER_MINUTE
        self.request = request
        authorization = request.headers.get("Authorization", "")
        scheme, _sep, token = authorization.partition(" ")
        self.token = token.strip() if scheme.lower() == "bearer" and key_parse(token.strip()) else None
        self.found: ApiKey | None = None  # the key the token names, live or not

    def live_key(self) -> ApiKey | None:
        """The live key the call presents (one indexed lookup, only for a key-shaped token).

        Left on the request for KeyAuth (apps.api.views.common), so an endpoint does not look
        it up a second time."""
        if self.token is None:
            return None
        found = api_key_find(self.token)  # cached for a minute (selectors.KEY_CACHE_SECONDS)
        self.found = found[0] if found is not None else None
        live = found if found is not None and key_is_live(found[0]) else None
        self.request.api_key_checked = (self.token, live)  # type: ignore[attr-defined]
        return live[0] if live is not None else None

    @cached_property
    def key(self) -> str:
        # Worked out only for a call without a live key (a keyed call never needs it). The address
        # is a keyed hash: a cache key is no place for an address in clear, and a bare SHA-256 of
        # the few billion IPv4 addresses is reversed by trying them all. An IPv6 client is keyed
        # by its /64, the block one subscriber is given: otherwise each of its addresses would
        # have a limit of its own.
        address = client_ip(self.request) or "unknown"
        if ":" in address:
            address = str(ipaddress.ip_network(f"{address}/64", strict=False))
        digest = hmac.new(settings.PSEUDONYM_KEY.encode(), f"api-keyless:{address}".encode(), hashlib.sha256)
        return f"api:keyless:{digest.hexdigest()[:32]}:{self.window}"

    def count_and_check(self, outside_of: ApiClient | None = None) -> bool:
        """Count this call; True when the address had used its minute's calls before it. The
        minute's total it adds to: keyless calls, or those from outside ``outside_of``'s networks.

        add() then incr() is atomic on Redis; the database cache's incr() is not (module doc)."""
        ttl = KEYLESS_WINDOW_SECONDS * 2
        if outside_of is None:
            total = KEYLESS_COUNT_KEY.format(window=self.window)
        else:
            total = OUTSIDE_COUNT_KEY.format(client=outside_of.pk, window=self.window)
        cache.add(self.key, 0, ttl)
        cache.add(total, 0, ttl * 60)
        try:
            used = cache.incr(self.key) - 1
            cache.incr(total)
        except ValueError:  # the entry expired between add and incr: count from here
            used = 0
        return used >= self.limit

    def sampled(self, outside_of: ApiClient | None = None) -> bool:
        """True for the first keyless call of each minute, or the first from outside
        ``outside_of``'s networks: the one that is logged."""
        scope = outside_of.pk if outside_of is not None else None
        with _sampled_lock:
            if _sampled.get(scope) == self.window:
                return False
            _sampled[scope] = self.window
        name = "api:keyless-sampled" if scope is None else f"api:outside-sampled:{scope}"
        return bool(cache.add(f"{name}:{self.window}", 1, KEYLESS_WINDOW_SECONDS * 2))

    def refusal(self, *, outside: bool = False) -> HttpResponse:
        reset = int((self.window + 1) * KEYLESS_WINDOW_SECONDS - self.now) or 1
        headers = {"Retry-After": str(reset), "RateLimit-Limit": str(self.limit), "RateLimit-Remaining": "0"}
        if outside:
            return problem(
                429,
                _("Too many calls"),
                _("Too many calls from this address with a key not accepted here; call from the client's networks."),
                headers=headers,
            )
        if self.found is not None:
            # A real key, revoked or expired: its owner must learn the key is dead, not to wait.
            detail = _("This key is revoked or expired; send a live key.")
            return problem(401, _("Not authenticated"), detail, headers={**headers, "WWW-Authenticate": "Bearer"})
        return problem(
            429,
            _("Too many calls"),
            _("Too many calls without a valid key from this address; wait and send a live key."),
            headers=headers,
        )


# Logged for a streamed answer that failed, or that its client stopped reading, after its status
# line went out with 200 (499: nginx's "client closed request").
STREAM_FAILED, STREAM_ABANDONED = 500, 499


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _log_closed(call: dict[str, Any], status: int, duration_ms: int) -> None:
    try:
        api_call_log(**call, status=status, duration_ms=duration_ms)
    except Exception:
        # Django's close() would swallow it without a word.
        logger.exception("API call not logged")


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
