"""A live key used from outside its client's networks (#19): refused before any view, limited per
address like a keyless call (never against the client's own rate), counted per client and sampled
in the log, and shown to the officer; a call from inside is untouched."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.api.models import ApiCall
from apps.api.selectors import api_keyless_call_count, api_outside_call_counts
from tests.api.conftest import Caller, is_problem

pytestmark = pytest.mark.django_db

SUPPRESSIONS = "/api/v1/suppressions"
NETWORKS = "10.0.0.0/8\n192.0.2.7"  # the test client calls from 127.0.0.1: outside
INSIDE = "10.1.2.3"


@pytest.fixture
def one_minute():
    start = timezone.now().replace(second=5, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def _inside(caller: Caller, path: str = SUPPRESSIONS):
    return caller.http.get(path, headers=caller.headers(), REMOTE_ADDR=INSIDE)


def test_refused_calls_write_one_sample_row_a_minute_per_client(make_client, one_minute):
    client, key = make_client(allowed_networks=NETWORKS)
    other, other_key = make_client(allowed_networks=NETWORKS)
    leaked = Caller(key)
    for _ in range(5):
        assert is_problem(leaked.get(SUPPRESSIONS), 403)
    assert is_problem(Caller(other_key).get(SUPPRESSIONS), 403)
    sample = ApiCall.objects.get(client=client)
    assert (sample.endpoint, sample.status, sample.method) == ("suppression_feed", 403, "GET")
    assert ApiCall.objects.filter(client=other).count() == 1  # each client gets its own sample
    assert api_outside_call_counts(client_ids=[client.pk, other.pk]) == {client.pk: 5, other.pk: 1}
    assert api_keyless_call_count() == 0  # a live key's calls are not keyless ones

    one_minute.shift(timedelta(minutes=1))
    for _ in range(3):
        leaked.get(SUPPRESSIONS)
    assert ApiCall.objects.filter(client=client).count() == 2
    assert api_outside_call_counts(client_ids=[client.pk]) == {client.pk: 8}


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs", "/api/v1/no-such-thing"])
def test_the_key_is_refused_from_outside_on_every_path(make_client, path, one_minute):
    client, key = make_client(allowed_networks=NETWORKS)
    assert is_problem(Caller(key).get(path), 403)
    assert api_outside_call_counts(client_ids=[client.pk]) == {client.pk: 1}


def test_past_the_address_limit_429_and_the_client_keeps_its_own_rate(make_client, settings, one_minute):
    settings.API_KEYLESS_CALLS_PER_MINUTE = 3
    client, key = make_client(allowed_networks=NETWORKS, rate_limit_per_minute=2)
    leaked = Caller(key)
    for _ in range(3):
        assert is_problem(leaked.get(SUPPRESSIONS), 403)
    refused = leaked.get(SUPPRESSIONS)
    assert is_problem(refused, 429)
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["RateLimit-Limit"] == "3"
    assert is_problem(Caller().get(SUPPRESSIONS), 429)  # one budget per address, keyless or not
    assert api_outside_call_counts(client_ids=[client.pk]) == {client.pk: 4}
    assert ApiCall.objects.filter(client=client).count() == 1

    # The leaked key's calls used none of the client's own rate of 2 a minute.
    legitimate = Caller(key)
    assert _inside(legitimate).status_code == 200
    assert _inside(legitimate).status_code == 200
    assert ApiCall.objects.filter(client=client, status=200).count() == 2


def test_refusals_from_outside_write_no_request_warning(make_client, settings, one_minute, caplog):
    settings.API_KEYLESS_CALLS_PER_MINUTE = 1
    _client, key = make_client(allowed_networks=NETWORKS)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert is_problem(Caller(key).get(SUPPRESSIONS), 403)
        assert is_problem(Caller(key).get(SUPPRESSIONS), 429)
    assert [r for r in caplog.records if r.name == "django.request"] == []


def test_with_the_cache_down_refusals_are_still_only_sampled(make_client, cache_down, one_minute):
    """A Redis that fails open answers add() with True: sampling must not log every call then."""
    client, key = make_client(allowed_networks=NETWORKS)
    for _ in range(4):
        assert is_problem(Caller(key).get(SUPPRESSIONS), 403)
    assert ApiCall.objects.filter(client=client).count() == 1


def test_a_call_from_inside_is_logged_within_its_statement_budget(make_client, one_minute):
    client, key = make_client(allowed_networks=NETWORKS)
    caller = Caller(key)
    body = {"purpose": "marketing-email", "channel": "email", "person": {"email": "nobody@example.test"}}

    def check():
        return caller.http.post(
            "/api/v1/consent/check",
            data=body,
            content_type="application/json",
            headers=caller.headers(**{"Idempotency-Key": "unused"}),
            REMOTE_ADDR=INSIDE,
        )

    assert check().status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert check().status_code == 200
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 2, statements  # the decision and the call's log row
    assert "api_apicall" in statements[1]
    assert ApiCall.objects.filter(client=client, status=200).count() == 2
    assert api_outside_call_counts(client_ids=[client.pk]) == {client.pk: 0}


def test_the_admin_shows_the_calls_from_outside(client_as, make_client, one_minute):
    client, key = make_client(name="Warehouse", allowed_networks=NETWORKS)
    anywhere, _key = make_client(name="Anywhere")
    for _ in range(3):
        Caller(key).get(SUPPRESSIONS)
    _inside(Caller(key))
    officer = client_as("officer")
    page = officer.get(reverse("admin:api_apiclient_changelist"))
    admin = page.context["cl"].model_admin
    rows = {row.pk: row for row in page.context["cl"].result_list}
    assert admin.outside_last_hour(rows[client.pk]) == 3
    assert admin.outside_last_hour(rows[anywhere.pk]) == "—"  # no networks: nothing refused for its address
    assert admin.calls_30_days(rows[client.pk]) == 2  # the sample row and the call from inside
    assert "calls from outside its networks (last hour)" in page.content.decode().lower()

    change = officer.get(reverse("admin:api_apiclient_change", args=[client.pk]))
    assert change.status_code == 200
    assert "calls from outside its networks (last hour)" in change.content.decode().lower()
    assert admin.outside_last_hour(change.context["original"]) == 3
