"""The read-only admin lists of calendar, location, settings, usage, calls and support notes."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.service_data.models import CalendarEntry, CallRecord, LocationRecord, SupportCommunication, UsageEvent
from apps.service_data.services.activity import product_configuration_set

pytestmark = pytest.mark.django_db

MODELS = ["calendarentry", "locationrecord", "productconfiguration", "usageevent", "callrecord", "supportcommunication"]


@pytest.fixture
def rows(customer):
    CalendarEntry.objects.create(owner=customer, source="manual", title="Dentist", starts_at=timezone.now())
    LocationRecord.objects.create(owner=customer, latitude=1, longitude=2)
    product_configuration_set(owner=customer, settings={"theme": "dark"}, actor=customer)
    UsageEvent.objects.create(owner=customer, feature="search", action="query")
    CallRecord.objects.create(
        owner=customer, started_at=timezone.now(), direction="outgoing", other_party="+1555", duration_seconds=9, cost=0
    )
    SupportCommunication.objects.create(
        customer=customer, channel="email", direction="from_customer", subject_line="Upload stuck", body="Help"
    )


@pytest.mark.parametrize("model", MODELS)
def test_officers_read_every_list_and_change_nothing(client_as, rows, model):
    client = client_as("officer")
    changelist = reverse(f"admin:service_data_{model}_changelist")
    response = client.get(changelist, {"q": "customer@example.test"})
    assert response.status_code == 200
    assert "customer@example.test" in response.content.decode()
    assert client.get(reverse(f"admin:service_data_{model}_add")).status_code == 403


@pytest.mark.parametrize(
    ("persona", "model", "status"),
    [
        ("support_agent", "supportcommunication", 200),
        ("support_agent", "calendarentry", 403),
        ("support_agent", "usageevent", 403),
        ("auditor", "supportcommunication", 403),
        ("auditor", "locationrecord", 403),
    ],
)
def test_other_roles_read_only_what_their_role_covers(client_as, rows, persona, model, status):
    response = client_as(persona).get(reverse(f"admin:service_data_{model}_changelist"))
    assert response.status_code == status
