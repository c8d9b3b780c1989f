"""The demo's systems: seeded once, and a demo request reaches them, the placeholder webhook
failing safely (refused and recorded, never a crash)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.core.models import WebhookEvent
from apps.core.webhooks import webhooks_relay
from apps.disclosures.models import Recipient
from apps.systems.models import PropagationTask, SystemSecret
from tests.subject_requests.test_execution import run, started

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_system_per_connector_and_a_request_reaches_them(
    settings, customer, django_capture_on_commit_callbacks
):
    call_command("seed_demo", "--customers", "0", "--quiet-logins")
    call_command("seed_demo", "--customers", "0", "--quiet-logins")
    systems = {r.name: r for r in Recipient.objects.exclude(connector="")}
    assert {s.connector for s in systems.values()} == {"email", "manual", "webhook"}
    assert len(systems) == 3
    warehouse = systems["Example Data Warehouse"]
    assert SystemSecret.objects.filter(system=warehouse).count() == 1

    request = run(started("access", customer), django_capture_on_commit_callbacks)

    assert set(PropagationTask.objects.filter(request=request).values_list("system__name", flat=True)) == set(systems)
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False  # as under `make run`
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 60
    relayed = webhooks_relay()
    assert (relayed.delivered, relayed.retrying) == (0, 1)
    assert "warehouse.invalid" in WebhookEvent.objects.get().last_error
