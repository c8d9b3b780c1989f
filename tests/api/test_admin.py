"""Officers create a client (its key shown once), rotate and revoke it, and see its calls."""

import pytest
from django.urls import reverse

from apps.api.domain import key_digest
from apps.api.models import ApiClient, ApiKey
from tests.api.conftest import Caller

pytestmark = pytest.mark.django_db


def test_an_officer_creates_a_client_and_sees_its_key_once(client_as):
    officer = client_as("officer")
    response = officer.post(
        reverse("admin:api_apiclient_add"),
        {
            "name": "Mail platform",
            "owner": "Mail team",
            "purpose": "Ask before each send",
            "scopes": ["consent:check", "suppression:read"],
            "allowed_networks": "",
            "rate_limit_per_minute": "600",
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = response.context["key"]
    assert ApiKey.objects.get(digest=key_digest(key)).client.name == "Mail platform"
    assert key.encode() in response.content
    client = ApiClient.objects.get(name="Mail platform")
    change = officer.get(reverse("admin:api_apiclient_change", args=[client.pk]))
    assert key.encode() not in change.content
    assert Caller(key).get("/api/v1/suppressions").status_code == 200


def test_bad_networks_are_a_form_error(client_as):
    response = client_as("officer").post(
        reverse("admin:api_apiclient_add"),
        {"name": "X", "owner": "Y", "purpose": "Z", "allowed_networks": "not-an-ip", "rate_limit_per_minute": "10"},
    )
    assert response.status_code == 200
    assert not ApiClient.objects.exists()
    assert b"not an IP address" in response.content


def test_rotate_then_revoke_from_the_admin(client_as, make_client):
    client, old = make_client()
    officer = client_as("officer")
    rotated = officer.post(reverse("admin:api_apiclient_rotate", args=[client.pk]))
    new = rotated.context["key"]
    assert Caller(old).get("/api/v1/suppressions").status_code == 200  # the overlap
    assert Caller(new).get("/api/v1/suppressions").status_code == 200
    officer.post(reverse("admin:api_apiclient_revoke", args=[client.pk]))
    assert Caller(new).get("/api/v1/suppressions").status_code == 401
    assert Caller(old).get("/api/v1/suppressions").status_code == 401


def test_the_list_shows_calls_per_client(client_as, make_client):
    client, key = make_client(name="Warehouse")
    for _ in range(3):
        Caller(key).get("/api/v1/suppressions")
    Caller(key).get("/api/v1/suppressions?cursor=%%%")  # a 400, counted as an error
    page = client_as("officer").get(reverse("admin:api_apiclient_changelist"))
    row = next(r for r in page.context["cl"].result_list if r.pk == client.pk)
    admin = page.context["cl"].model_admin
    assert admin.calls_30_days(row) == 4
    assert admin.errors_30_days(row) == 1


def test_the_list_shows_the_calls_without_a_live_key(client_as):
    for _ in range(3):
        Caller().get("/api/v1/suppressions")
    Caller("ppk_0123456789ab_" + "x" * 43).get("/api/v1/suppressions")
    page = client_as("officer").get(reverse("admin:api_apiclient_changelist"))
    assert page.context["keyless_calls_last_hour"] == 4
    assert "4 calls without a live key" in page.content.decode()
