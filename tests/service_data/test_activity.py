"""Usage feeds inactivity (P-43); location, product settings, calls; their Your Account pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.retention.models import PurgeRun
from apps.retention.purge import purge
from apps.service_data.models import CallRecord, LocationRecord, OptionalKindRefusal, UsageEvent
from apps.service_data.selectors.activity import product_configuration_get
from apps.service_data.services.activity import (
    call_record_create,
    location_delete_all,
    location_record,
    product_configuration_set,
    usage_record,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
START = timezone.make_aware(timezone.datetime(2025, 1, 15, 9, 0))


def inactivity_purge(moment) -> dict:
    with time_machine.travel(moment, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        run = purge(triggered_by=PurgeRun.Trigger.COMMAND, rule_code="inactive-accounts")
    assert run.status == PurgeRun.Status.COMPLETED, run.errors()
    return {k: v for k, v in run.progress["inactive-accounts"].items() if k in {"erasures", "warned"} and v}


# --- Usage keeps an account alive (P-43) ----------------------------------------------------------


def test_usage_without_sign_ins_keeps_an_account_from_the_inactivity_purge():
    with time_machine.travel(START, tick=False):
        user_of_the_app = UserFactory(email="app-user@example.test")
        dormant = UserFactory(email="dormant@example.test")
    # Ten months on, the customer uses a feature from the app; they never sign in again.
    with time_machine.travel(START + relativedelta(months=10), tick=False):
        event = usage_record(owner=user_of_the_app, feature="playlists", action="shuffle")
    assert event.pk
    assert UsageEvent.objects.filter(owner=user_of_the_app).count() == 1
    user_of_the_app.refresh_from_db()
    assert user_of_the_app.last_seen_at == START + relativedelta(months=10)
    assert user_of_the_app.last_login is None or user_of_the_app.last_login < START + timedelta(days=1)

    # A year after joining, only the account nobody used is warned (30 and 7 days before), then erased.
    due = START + relativedelta(months=12)
    assert inactivity_purge(due - timedelta(days=30)) == {"warned": 1}
    assert inactivity_purge(due - timedelta(days=7)) == {"warned": 1}
    assert inactivity_purge(due) == {"erasures": 1}
    assert User.objects.get(pk=dormant.pk).status == User.Status.CLOSED
    assert User.objects.get(pk=user_of_the_app.pk).status == User.Status.ACTIVE
    # Its own year of inactivity counts from the last use.
    due = START + relativedelta(months=22)
    assert inactivity_purge(due - timedelta(days=31)) == {}
    assert inactivity_purge(due - timedelta(days=30)) == {"warned": 1}
    assert inactivity_purge(due - timedelta(days=7)) == {"warned": 1}
    assert inactivity_purge(due) == {"erasures": 1}
    assert User.objects.get(pk=user_of_the_app.pk).status == User.Status.CLOSED


def test_usage_moves_last_seen_forward_only(customer):
    now = timezone.now()
    usage_record(owner=customer, feature="search", action="query", at=now)
    usage_record(owner=customer, feature="search", action="query", at=now - timedelta(days=40))
    customer.refresh_from_db()
    assert customer.last_seen_at == now
    assert UsageEvent.objects.filter(owner=customer).count() == 2


def test_usage_refuses_bad_input(customer):
    with pytest.raises(ValidationError):
        usage_record(owner=customer, feature="", action="open")
    with pytest.raises(ValidationError):
        usage_record(owner=customer, feature="x" * 65, action="open")
    with pytest.raises(ValidationError):
        usage_record(owner=customer, feature="search", action="open", at=timezone.now() + timedelta(days=1))
    assert not UsageEvent.objects.exists()


# --- Location (optional, P-38) ----------------------------------------------------------------


def test_location_is_recorded_until_refused(customer):
    record = location_record(owner=customer, latitude="51.5072", longitude=-0.1276, accuracy_m=20)
    assert (record.latitude, record.longitude) == (Decimal("51.507200"), Decimal("-0.127600"))
    OptionalKindRefusal.objects.create(subject=customer, kind="location")
    with pytest.raises(ValidationError, match="chose not to give us your location"):
        location_record(owner=customer, latitude=1, longitude=1)
    assert LocationRecord.objects.filter(owner=customer).count() == 1


@pytest.mark.parametrize(("lat", "lon"), [(91, 0), (0, 181), ("north", 0), ("NaN", 0)])
def test_location_refuses_impossible_places(customer, lat, lon):
    with pytest.raises(ValidationError):
        location_record(owner=customer, latitude=lat, longitude=lon)
    assert not LocationRecord.objects.exists()


def test_only_the_customer_deletes_their_location_history(customer, other_customer):
    location_record(owner=customer, latitude=1, longitude=2)
    location_record(owner=other_customer, latitude=3, longitude=4)
    with pytest.raises(ValidationError):
        location_delete_all(owner=customer, actor=other_customer)
    assert location_delete_all(owner=customer, actor=customer) == 1
    assert list(LocationRecord.objects.values_list("owner", flat=True)) == [other_customer.pk]


# --- Product settings and calls ------------------------------------------------------------------


def test_product_settings_are_replaced_and_bounded(customer):
    assert product_configuration_get(owner=customer) == {}
    product_configuration_set(owner=customer, settings={"theme": "dark", "volume": 7}, actor=customer)
    product_configuration_set(owner=customer, settings={"theme": "light"}, actor=customer)
    assert product_configuration_get(owner=customer) == {"theme": "light"}
    for bad in (["theme"], {"blob": "x" * 20_000}, {"when": timezone.now()}):
        with pytest.raises(ValidationError):
            product_configuration_set(owner=customer, settings=bad, actor=customer)
    assert product_configuration_get(owner=customer) == {"theme": "light"}


def test_calls_keep_date_duration_and_cost(customer):
    call = call_record_create(
        owner=customer,
        started_at=timezone.now() - timedelta(hours=1),
        direction="outgoing",
        other_party="+447700900001",
        duration_seconds=125,
        cost="0.1250",
        currency="gbp",
    )
    assert (call.duration_seconds, call.cost, call.currency) == (125, Decimal("0.1250"), "GBP")
    for bad in ({"cost": "-1"}, {"cost": "free"}, {"direction": "sideways"}, {"duration_seconds": -5}):
        fields = {
            "owner": customer,
            "started_at": timezone.now(),
            "direction": "incoming",
            "other_party": "+1",
            "duration_seconds": 1,
            "cost": "0",
            **bad,
        }
        with pytest.raises(ValidationError):
            call_record_create(**fields)
    assert CallRecord.objects.count() == 1


# --- The pages ---------------------------------------------------------------------------------


PAGES = ["service_data:overview", "service_data:location", "service_data:usage", "service_data:calls"]


@pytest.mark.parametrize("name", [*PAGES, "service_data:product_settings"])
def test_pages_are_for_signed_in_customers(client_as, name):
    assert client_as("anonymous").get(reverse(name)).status_code == 302
    assert client_as("customer").get(reverse(name)).status_code == 200


def test_pages_show_only_the_customers_own_rows(client_as, customer, other_customer):
    usage_record(owner=customer, feature="mine-feature", action="open")
    usage_record(owner=other_customer, feature="their-feature", action="open")
    call_record_create(
        owner=other_customer,
        started_at=timezone.now(),
        direction="incoming",
        other_party="+447700900999",
        duration_seconds=60,
        cost="1",
    )
    location_record(owner=other_customer, latitude="48.858400", longitude="2.294500")
    product_configuration_set(owner=customer, settings={"theme": "dark"}, actor=customer)
    client = client_as("customer")
    usage = client.get(reverse("service_data:usage")).content.decode()
    assert "mine-feature" in usage
    assert "their-feature" not in usage
    assert "+447700900999" not in client.get(reverse("service_data:calls")).content.decode()
    assert "48.858400" not in client.get(reverse("service_data:location")).content.decode()
    assert "dark" in client.get(reverse("service_data:product_settings")).content.decode()


def test_the_overview_counts_each_kind_and_links_its_page(client_as, customer):
    usage_record(owner=customer, feature="search", action="query")
    usage_record(owner=customer, feature="search", action="query")
    text = client_as("customer").get(reverse("service_data:overview")).content.decode()
    for label in ("Files and posts", "Calendar", "Location", "Product settings", "Feature usage", "Calls"):
        assert label in text
    assert "Support conversations" in text
    assert "Billing" in text
    assert "2 items" in text
    for name in PAGES[1:]:
        assert f'href="{reverse(name)}"' in text


def test_usage_and_calls_paginate_in_a_constant_number_of_queries(client_as, customer, django_assert_max_num_queries):
    UsageEvent.objects.bulk_create(UsageEvent(owner=customer, feature=f"f{i}", action="a") for i in range(60))
    client = client_as("customer")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("service_data:usage"), {"page": 2})
    assert "Page 2 of 3" in response.content.decode()
    assert client.get(reverse("service_data:usage"), {"page": "x"}).status_code == 200
    assert client.get(reverse("service_data:calls"), {"page": "999"}).status_code == 200


def test_the_customer_deletes_all_location_history_from_the_page(client_as, customer, other_customer):
    location_record(owner=customer, latitude=1, longitude=2)
    location_record(owner=other_customer, latitude=3, longitude=4)
    client = client_as("customer")
    assert client.get(reverse("service_data:location_delete_all")).status_code == 405
    response = client.post(reverse("service_data:location_delete_all"), follow=True)
    assert "1 location record deleted." in response.content.decode()
    assert list(LocationRecord.objects.values_list("owner", flat=True)) == [other_customer.pk]


def test_the_calls_page_shows_date_duration_and_cost(client_as, customer):
    for seconds in (42, 302, 3780):
        call_record_create(
            owner=customer,
            started_at=timezone.now(),
            direction="outgoing",
            other_party="+447700900123",
            duration_seconds=seconds,
            cost="0.1250",
            currency="GBP",
        )
    text = client_as("customer").get(reverse("service_data:calls")).content.decode()
    for shown in ("42 s", "5 min 2 s", "1 h 3 min", "0.13 GBP", "Outgoing"):
        assert shown in text
