"""Where a webhook may be sent: guarding against server-side request forgery.

A URL an officer types in could point the worker at the portal's own database, a cloud
metadata service or anything else on the private network. So: https only where
WEBHOOKS_REQUIRE_HTTPS (production), and the host must resolve only to public addresses
unless WEBHOOKS_ALLOW_PRIVATE_TARGETS (the tests' receivers listen on localhost). Checked
when the URL is saved and again before every send (DNS can change in between).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class UnsafeTarget(ValueError):
    pass


NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known prefix: the last 32 bits are an IPv4 address
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # local-use translation: never a public target


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries to (mapped, NAT64, 6to4, Teredo): ipaddress calls
    NAT64 and 6to4 addresses global whatever they wrap, so 64:ff9b::7f00:1 would reach 127.0.0.1
    through a NAT64 gateway unless the address inside is checked."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # the client's address
    return None


def blocked_address(address: str) -> bool:
    """Whether ``address`` (an IP, as text) is one a webhook may never reach."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in NAT64_LOCAL:
            return True
        inner = _embedded_ipv4(ip)
        if inner is not None:
            ip = inner
    return not ip.is_global or ip.is_multicast


def check_target(url: str, *, resolve: bool = True) -> None:
    """Raise UnsafeTarget (with a message an officer can act on) when ``url`` may not be called."""
    # urlsplit and .port raise ValueError on a malformed address ("[::1" unclosed, a port past
    # 65535): that is the officer's typing, so it gets the same clear refusal, not a 500.
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(_("This is not a valid web address: %(error)s.") % {"error": exc}) from exc
    allowed = ("https",) if settings.WEBHOOKS_REQUIRE_HTTPS else ("https", "http")
    if parts.scheme not in allowed:
        raise UnsafeTarget(_("A webhook address must start with https://."))
    if not parts.hostname:
        raise UnsafeTarget(_("A webhook address needs a host name."))
    if parts.username or parts.password:
        raise UnsafeTarget(_("A webhook address may not carry a user name or password."))
    if settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS or not resolve:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeTarget(_("The host %(host)s could not be found.") % {"host": parts.hostname}) from exc
    addresses = {info[4][0] for info in infos}
    if not addresses or any(blocked_address(str(a)) for a in addresses):
        raise UnsafeTarget(
            _("%(host)s points at a private, loopback or link-local address; webhooks go to public hosts only.")
            % {"host": parts.hostname}
        )
