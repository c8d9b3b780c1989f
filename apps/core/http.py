"""Request helpers every app shares: who sent a request, and request types for type checkers."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest

if TYPE_CHECKING:
    from apps.accounts.models import User  # AUTH_USER_MODEL; core names it only for the type checker


class AuthenticatedHttpRequest(HttpRequest):
    """A request with a signed-in user: the views behind ``login_required`` or the admin's sign-in gate.

    An annotation only (views still receive Django's ``HttpRequest``): ``request.user`` is a ``User``
    there, never an ``AnonymousUser``, and the type checker needs to be told so.
    """

    user: User


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    # Some proxies write the client's port too: "203.0.113.5:51234", "[2001:db8::1]:51234".
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def trusted_proxy_count() -> int:
    # None means "not configured" (a deploy check refuses that behind SECURE_PROXY_SSL_HEADER)
    # and is read as no proxy at all.
    return settings.TRUSTED_PROXY_COUNT or 0


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address, as far as our own proxies vouch for it.

    Every rate limit (allauth's, through AccountAdapter.get_client_ip, and the project's own) and the
    login history use this one function. With no trusted proxy it is REMOTE_ADDR: X-Forwarded-For is
    whatever the client wrote. Behind N proxies that each append the address they saw, the N-th entry
    from the right was written by our outermost proxy; anything left of it is the client's own word.
    A request that did not pass through all N proxies (too few entries) or carries garbage there is
    keyed on the address that actually connected.
    """
    if request is None:
        return None
    remote_addr = _valid_ip(request.META.get("REMOTE_ADDR"))
    proxies = trusted_proxy_count()
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        if len(hops) >= proxies:
            return _valid_ip(hops[-proxies]) or remote_addr
    return remote_addr


def site_url(location: str = "/") -> str:
    """``location`` (a path, or a URL whose host is dropped) on SITE_URL: the one address every
    link we send points at, whichever host a request came in by (production requires it to be
    an https:// origin: apps/core/checks.py)."""
    from urllib.parse import urlsplit, urlunsplit

    origin = urlsplit(settings.SITE_URL.strip())
    target = urlsplit(location)
    return urlunsplit((origin.scheme, origin.netloc, target.path or "/", target.query, target.fragment))
