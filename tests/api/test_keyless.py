"""The keyless limit (#19 review): every call without a live key counts per address, whatever
the path, and is refused before the view past the limit; a live key never counts."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.test import RequestFactory
from django.utils import timezone

from apps.api.middleware import Keyless
from apps.api.models import ApiCall
from apps.api.services import api_client_revoke
from tests.api.conftest import Caller, is_problem

pytestmark = pytest.mark.django_db

GUESS = "ppk_0123456789ab_garbage"  # a key's shape, no such key


@pytest.fixture
def one_minute():
    start = timezone.now().replace(second=5, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs", "/api/v1/no-such-thing"])
def test_a_key_shaped_guess_counts_on_every_path_and_is_refused_past_the_limit(path, settings, one_minute):
    settings.API_KEYLESS_CALLS_PER_MINUTE = 2
    guesser = Caller(GUESS)
    for _ in range(2):
        assert guesser.get(path).status_code in (200, 404)
    refused = guesser.get(path)
    assert is_problem(refused, 429)
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert is_problem(Caller().get(path), 429)  # the same address without any key


def test_a_live_key_never_counts_against_its_address(make_client, settings, one_minute):
    settings.API_KEYLESS_CALLS_PER_MINUTE = 2
    client, key = make_client()
    live = Caller(key)
    for path in ["/api/v1/openapi.json", "/api/v1/no-such-thing", "/api/v1/suppressions"] * 3:
        assert live.get(path).status_code in (200, 404)
    assert Caller().get("/api/v1/openapi.json").status_code == 200  # the address's calls are untouched
    assert ApiCall.objects.filter(client=client).count() == 9


def test_past_the_limit_a_revoked_key_still_hears_401(make_client, officer, settings, one_minute):
    settings.API_KEYLESS_CALLS_PER_MINUTE = 1
    client, key = make_client()
    api_client_revoke(client=client, actor=officer)
    assert is_problem(Caller().get("/api/v1/suppressions"), 401)
    refused = Caller(key).get("/api/v1/suppressions")
    assert is_problem(refused, 401)
    assert refused["WWW-Authenticate"] == "Bearer"
    assert int(refused["Retry-After"]) >= 1
    assert is_problem(Caller(GUESS).get("/api/v1/suppressions"), 429)


def test_keyless_refusals_write_no_request_warning(settings, one_minute, caplog):
    settings.API_KEYLESS_CALLS_PER_MINUTE = 1
    anonymous = Caller()
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert is_problem(anonymous.get("/api/v1/suppressions"), 401)
        assert is_problem(anonymous.get("/api/v1/suppressions"), 429)
        assert is_problem(anonymous.get("/api/v1/no-such-thing"), 429)
    assert [r for r in caplog.records if r.name == "django.request"] == []


def test_with_the_cache_down_keyless_calls_are_still_only_sampled(cache_down, one_minute):
    """A Redis that fails open answers add() with True: sampling must not log every call then."""
    anonymous = Caller()
    for _ in range(5):
        assert is_problem(anonymous.get("/api/v1/suppressions"), 401)
    assert ApiCall.objects.count() == 1
    one_minute.shift(timedelta(minutes=1))
    anonymous.get("/api/v1/suppressions")
    assert ApiCall.objects.count() == 2


def _counter_key(address: str) -> str:
    return Keyless(RequestFactory().get("/api/v1/docs", REMOTE_ADDR=address)).key


def test_an_ipv6_client_is_limited_by_its_64_block(settings, one_minute):
    assert _counter_key("2001:db8:1:2::1") == _counter_key("2001:db8:1:2:ffff::9")
    assert _counter_key("2001:db8:1:3::1") != _counter_key("2001:db8:1:2::1")
    assert _counter_key("192.0.2.1") != _counter_key("192.0.2.2")
    settings.API_KEYLESS_CALLS_PER_MINUTE = 1
    Caller().http.get("/api/v1/openapi.json", REMOTE_ADDR="2001:db8:1:2::1")
    refused = Caller().http.get("/api/v1/openapi.json", REMOTE_ADDR="2001:db8:1:2::abcd")
    assert is_problem(refused, 429)


def test_the_address_is_hashed_with_the_pseudonym_key(settings):
    import hashlib

    before = _counter_key("192.0.2.1")
    assert hashlib.sha256(b"192.0.2.1").hexdigest()[:32] not in before
    settings.PSEUDONYM_KEY = "another key"
    assert _counter_key("192.0.2.1") != before
