"""Keys: shown once, kept as a digest, rotated with overlap, revoked at once; scopes, networks, rates."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import OperationalError, connection
from django.utils import timezone

from apps.api.models import ApiCall, ApiKey
from apps.api.services import api_client_revoke, api_client_update, api_key_rotate
from tests.api.conftest import Caller, is_problem

SUPPRESSIONS = "/api/v1/suppressions"

pytestmark = pytest.mark.django_db


def test_it_keeps_only_a_digest_of_the_key(make_client):
    client, key = make_client()
    stored = ApiKey.objects.get(client=client)
    assert key not in (stored.prefix, stored.digest)
    assert stored.prefix in key
    assert Caller(key).get(SUPPRESSIONS).status_code == 200


@pytest.mark.parametrize(
    "authorization", ["", "Bearer", "Bearer nonsense", "Bearer ppk_000000000000_wrong", "Basic eDp5"]
)
def test_it_answers_401_without_a_live_key(make_client, authorization):
    _client, _key = make_client()
    caller = Caller()
    response = caller.http.get(SUPPRESSIONS, headers={"Authorization": authorization} if authorization else {})
    assert is_problem(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_key_with_a_changed_secret_fails(make_client):
    _client, key = make_client()
    forged = key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb")
    assert is_problem(Caller(forged).get(SUPPRESSIONS), 401)


def test_a_revoked_client_fails_on_the_next_call(make_client, officer):
    client, key = make_client()
    caller = Caller(key)
    assert caller.get(SUPPRESSIONS).status_code == 200
    api_client_revoke(client=client, actor=officer)
    assert is_problem(caller.get(SUPPRESSIONS), 401)


def test_an_expired_client_fails(make_client):
    _client, key = make_client(expires_at=timezone.now() + timedelta(days=1))
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert is_problem(Caller(key).get(SUPPRESSIONS), 401)


def test_rotation_keeps_the_old_key_for_the_overlap_then_not(make_client, officer):
    client, old = make_client()
    new = api_key_rotate(client=client, actor=officer, overlap=timedelta(days=7))
    assert new != old
    assert Caller(old).get(SUPPRESSIONS).status_code == 200
    assert Caller(new).get(SUPPRESSIONS).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert is_problem(Caller(old).get(SUPPRESSIONS), 401)
        assert Caller(new).get(SUPPRESSIONS).status_code == 200


def test_a_key_from_outside_its_networks_gets_403(make_client):
    _client, key = make_client(allowed_networks="10.0.0.0/8\n192.0.2.7")
    assert is_problem(Caller(key).get(SUPPRESSIONS), 403)  # the test client comes from 127.0.0.1
    _client, inside = make_client(allowed_networks="127.0.0.0/8")
    assert Caller(inside).get(SUPPRESSIONS).status_code == 200


def test_rate_limit_headers_and_429(make_client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    _client, key = make_client(rate_limit_per_minute=2)
    caller = Caller(key)
    first = caller.get(SUPPRESSIONS)
    assert first["RateLimit-Limit"] == "2"
    assert first["RateLimit-Remaining"] == "1"
    caller.get(SUPPRESSIONS)
    refused = caller.get(SUPPRESSIONS)
    assert is_problem(refused, 429)
    assert refused["RateLimit-Remaining"] == "0"
    assert int(refused["Retry-After"]) >= 1


def test_every_call_is_logged_without_the_persons_data(make_client):
    client, key = make_client()
    caller = Caller(key)
    body = {"purpose": "marketing-email", "channel": "email", "person": {"email": "casey@example.test"}}
    caller.post("/api/v1/consent/check", body)
    caller.get(SUPPRESSIONS)
    calls = list(ApiCall.objects.filter(client=client).order_by("pk").values("endpoint", "status", "method"))
    assert calls == [
        {"endpoint": "consent_check", "status": 200, "method": "POST"},
        {"endpoint": "suppression_feed", "status": 200, "method": "GET"},
    ]
    assert "casey" not in repr(list(ApiCall.objects.values()))


@pytest.fixture
def one_minute():
    """A fixed instant early in a minute: the keyless counters run in one-minute windows."""
    start = timezone.now().replace(second=5, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def test_calls_without_a_live_key_are_rate_limited_per_address(make_client, settings, one_minute):
    settings.API_KEYLESS_CALLS_PER_MINUTE = 3
    _client, key = make_client()
    anonymous = Caller()
    for _ in range(3):
        assert is_problem(anonymous.get(SUPPRESSIONS), 401)
    refused = anonymous.get(SUPPRESSIONS)
    assert is_problem(refused, 429)
    assert 1 <= int(refused["Retry-After"]) <= 60
    guessed = Caller("ppk_0123456789ab_" + "x" * 43)  # a key's shape, no such key
    assert is_problem(guessed.get(SUPPRESSIONS), 429)
    assert is_problem(anonymous.http.get(SUPPRESSIONS, REMOTE_ADDR="192.0.2.7"), 401)  # another address
    assert Caller(key).get(SUPPRESSIONS).status_code == 200  # a live key from the same address
    one_minute.shift(timedelta(minutes=1))
    assert is_problem(anonymous.get(SUPPRESSIONS), 401)


def test_calls_without_a_live_key_are_counted_not_logged_one_row_each(one_minute):
    from apps.api.selectors import api_keyless_call_count

    anonymous = Caller()
    for _ in range(10):
        anonymous.get(SUPPRESSIONS)
    anonymous.get("/api/v1/no-such-thing")
    assert api_keyless_call_count() == 11
    # The first of the minute is kept as a sample, so the log still shows keyless traffic came.
    assert list(ApiCall.objects.values_list("client", "endpoint", "status")) == [(None, "suppression_feed", 401)]
    one_minute.shift(timedelta(minutes=1))
    anonymous.get(SUPPRESSIONS)
    assert ApiCall.objects.count() == 2
    assert api_keyless_call_count() == 12


def test_a_changed_client_is_seen_on_the_next_call(make_client, officer):
    client, key = make_client()
    caller = Caller(key)
    assert caller.get(SUPPRESSIONS).status_code == 200  # the key is cached from here on
    client.scopes = [scope for scope in client.scopes if scope != "suppression:read"]
    api_client_update(client=client, actor=officer)
    assert is_problem(caller.get(SUPPRESSIONS), 403)


def test_a_rotated_key_is_read_again_on_the_next_call(make_client, officer):
    client, old = make_client()
    caller = Caller(old)
    assert caller.get(SUPPRESSIONS).status_code == 200
    api_key_rotate(client=client, actor=officer, overlap=timedelta(hours=1))
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert is_problem(caller.get(SUPPRESSIONS), 401)


def test_a_streamed_batch_that_fails_midway_is_logged_as_failed(make_client):
    client, key = make_client()
    people = [{"email": f"p{i}@example.test"} for i in range(3)]
    body = {"purpose": "marketing-email", "channel": "email", "people": people}
    response = Caller(key).post("/api/v1/consent/check/batch", body)
    assert response.status_code == 200  # the status line went out before the answers were read

    def database_gone(execute, sql, params, many, context):
        if "accounts_user" in sql:
            raise OperationalError("the connection was cut")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(database_gone), pytest.raises(OperationalError):
        b"".join(response.streaming_content)
    assert list(ApiCall.objects.filter(client=client).values_list("endpoint", "status")) == [
        ("consent_check_batch", 500)
    ]


def test_a_key_version_that_lapsed_is_never_reused(make_client, officer, settings):
    # On the database cache a counter's incr() rewrote the version with the default timeout: once
    # it lapsed the count restarted and could meet a key cached under the same number before.
    from apps.api.selectors import KEY_CACHE_VERSION

    client, key = make_client()
    caller = Caller(key)
    assert caller.get(SUPPRESSIONS).status_code == 200
    api_client_update(client=client, actor=officer)
    first = cache.get(KEY_CACHE_VERSION)
    assert caller.get(SUPPRESSIONS).status_code == 200  # cached under the new version
    cache.delete(KEY_CACHE_VERSION)  # the version lapses
    api_client_revoke(client=client, actor=officer)
    assert cache.get(KEY_CACHE_VERSION) not in (None, first)
    assert is_problem(caller.get(SUPPRESSIONS), 401)
