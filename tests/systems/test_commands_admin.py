"""manage.py systems_test and propagation_status; a secret made in the admin is shown once."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.disclosures.models import Recipient
from apps.systems.models import SystemSecret
from tests.systems.conftest import make_system

pytestmark = pytest.mark.django_db


def test_systems_test_sends_a_signed_event_and_reports_the_round_trip(webhook_system):
    _system, hook = webhook_system("Analytics")
    out = StringIO()
    call_command("systems_test", "Analytics", stdout=out)
    report = json.loads(out.getvalue())
    assert report["ok"] is True
    assert report["status"] == 204
    assert report["milliseconds"] >= 0
    assert hook.received[0]["type"] == "privacy.test"  # verified by the receiver with the spec's verifier


def test_systems_test_says_plainly_what_is_wrong(db):
    make_system("No secret yet", connector=Recipient.Connector.WEBHOOK, url="https://hooks.example.test/x")
    with pytest.raises(CommandError, match="no live secret"):
        call_command("systems_test", "No secret yet", stdout=StringIO())
    with pytest.raises(CommandError, match="No system is named"):
        call_command("systems_test", "Nobody", stdout=StringIO())


def test_propagation_status_refuses_an_unknown_reference(db):
    with pytest.raises(CommandError, match="No request"):
        call_command("propagation_status", "not-a-reference", stdout=StringIO())


def test_a_secret_made_in_the_admin_is_shown_once_and_stored_encrypted(client_as):
    system = make_system("Warehouse", connector=Recipient.Connector.WEBHOOK, url="https://hooks.example.test/w")
    client = client_as("officer")
    response = client.post(reverse("admin:systems_systemsecret_add"), {"system": system.pk})
    # On the response itself, never cached and never in a message (a cookie): shown this once.
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    plain = "whsec_" + html.split("whsec_", 1)[1].split('"', 1)[0]
    assert not [m for m in response.context["messages"] if "whsec_" in str(m)]
    assert "whsec_" not in "".join(str(v.value) for v in response.cookies.values())
    assert 'for="new-secret"' in html
    from apps.systems.selectors import secrets_for

    assert secrets_for(str(system.pk)) == [plain]
    stored = SystemSecret.objects.get(system=system)
    assert plain not in stored.encrypted
    listing = client.get(reverse("admin:systems_systemsecret_changelist")).content.decode()
    assert plain not in listing
    page = client.get(reverse("admin:systems_systemsecret_change", args=[stored.pk])).content.decode()
    assert plain not in page
    assert stored.encrypted not in page


def test_only_a_webhook_system_gets_a_secret(client_as):
    system = make_system("By email", connector=Recipient.Connector.EMAIL, privacy_contact_email="p@example.test")
    response = client_as("officer").post(reverse("admin:systems_systemsecret_add"), {"system": system.pk})
    assert response.status_code == 200
    assert "Only a system told by webhook has a secret." in response.content.decode()
    assert not SystemSecret.objects.exists()
