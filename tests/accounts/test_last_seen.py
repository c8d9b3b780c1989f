""" "Last seen" (P-43): written at most once a day, and never into the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.services import user_touch_last_seen
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db


DAY_ONE_MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _stored_last_seen(user: User) -> datetime | None:
    return User.objects.values_list("last_seen_at", flat=True).get(pk=user.pk)


def test_it_writes_last_seen_at_most_once_a_day(customer, time_machine, django_assert_num_queries):
    time_machine.move_to(DAY_ONE_MORNING, tick=False)
    with django_assert_num_queries(1):
        assert user_touch_last_seen(user=customer) is True
    assert _stored_last_seen(customer) == DAY_ONE_MORNING

    # Later the same day: no query at all, so certainly no UPDATE.
    time_machine.move_to(DAY_ONE_MORNING + timedelta(hours=11), tick=False)
    with django_assert_num_queries(0):
        assert user_touch_last_seen(user=customer) is False
    # A copy freshly loaded by another request also skips the write.
    fresh = User.objects.get(pk=customer.pk)
    with django_assert_num_queries(0):
        assert user_touch_last_seen(user=fresh) is False
    assert _stored_last_seen(customer) == DAY_ONE_MORNING

    # A day later it writes again.
    next_day = DAY_ONE_MORNING + timedelta(days=1, minutes=1)
    time_machine.move_to(next_day, tick=False)
    with django_assert_num_queries(1):
        assert user_touch_last_seen(user=customer) is True
    assert _stored_last_seen(customer) == next_day


def test_it_does_not_write_twice_when_two_requests_race(customer, time_machine, django_assert_num_queries):
    time_machine.move_to(DAY_ONE_MORNING, tick=False)
    first, second = User.objects.get(pk=customer.pk), User.objects.get(pk=customer.pk)
    assert user_touch_last_seen(user=first) is True

    # The second copy was loaded before the write: its conditional UPDATE matches no row.
    time_machine.move_to(DAY_ONE_MORNING + timedelta(minutes=5), tick=False)
    with django_assert_num_queries(1):
        assert user_touch_last_seen(user=second) is False
    assert _stored_last_seen(customer) == DAY_ONE_MORNING


def test_it_touches_last_seen_once_a_day_through_the_middleware(client, customer, time_machine):
    time_machine.move_to(DAY_ONE_MORNING, tick=False)
    sign_in(client, customer)
    assert client.get(reverse("accounts:overview")).status_code == 200
    assert _stored_last_seen(customer) == DAY_ONE_MORNING

    time_machine.move_to(DAY_ONE_MORNING + timedelta(hours=2), tick=False)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("accounts:details")).status_code == 200
    assert not [q["sql"] for q in queries if q["sql"].startswith('UPDATE "accounts_user"')]
    assert _stored_last_seen(customer) == DAY_ONE_MORNING


def test_it_keeps_last_seen_out_of_the_history(customer, time_machine):
    before = customer.history.count()
    time_machine.move_to(DAY_ONE_MORNING, tick=False)
    user_touch_last_seen(user=customer)
    assert customer.history.count() == before
