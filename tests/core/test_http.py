"""The client's address (issue 13): read through a configured number of trusted proxies, never from a forged header."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from apps.core.http import client_ip


def request_from(remote_addr: str, forwarded_for: str | None = None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize("count", [None, 0])
def test_it_ignores_a_forged_forwarded_for_without_trusted_proxies(settings, count):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request_from("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


def test_it_reads_the_address_our_one_proxy_appended(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote 203.0.113.1 itself; our proxy appended the address it saw.
    assert client_ip(request_from("10.0.0.2", "203.0.113.1, 198.51.100.7")) == "198.51.100.7"


def test_it_reads_the_nth_address_from_the_right_behind_two_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from("10.0.0.3", "203.0.113.1, 198.51.100.7, 10.0.0.2")) == "198.51.100.7"


@pytest.mark.parametrize("forwarded", ["", "198.51.100.7", "not-an-address, 10.0.0.2"])
def test_it_falls_back_to_the_connecting_address_when_the_header_cannot_be_trusted(settings, forwarded):
    # Fewer hops than proxies (the request bypassed one), or garbage where the proxy's entry should be.
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from("10.0.0.3", forwarded)) == "10.0.0.3"


def test_it_normalises_the_address_and_accepts_ipv6(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("10.0.0.2", " 2001:DB8::1 ")) == "2001:db8::1"


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [("203.0.113.5:51234", "203.0.113.5"), ("[2001:db8::1]:51234", "2001:db8::1"), ("[2001:db8::2]", "2001:db8::2")],
)
def test_it_drops_a_port_some_proxies_add(settings, forwarded, client):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("10.0.0.2", forwarded)) == client


def test_it_has_no_address_without_a_request():
    assert client_ip(None) is None
