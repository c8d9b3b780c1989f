"""Staff sessions end after 30 idle minutes or 8 hours; customers keep two weeks."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
ADMIN = reverse("admin:index")


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def morning(time_machine):
    time_machine.move_to(MORNING, tick=False)
    return time_machine


def test_the_settings_make_staff_sessions_shorter_than_customers():
    assert settings.STAFF_SESSION_IDLE_TIMEOUT == 30 * 60
    assert settings.STAFF_SESSION_MAX_AGE == 8 * 60 * 60
    assert settings.STAFF_SESSION_MAX_AGE < settings.SESSION_COOKIE_AGE


def test_a_staff_session_idle_for_thirty_minutes_is_signed_out(client_as, morning):
    client = client_as("officer")
    assert client.get(ADMIN).status_code == 200
    assert client.session.get_expiry_age() <= settings.STAFF_SESSION_IDLE_TIMEOUT
    morning.move_to(MORNING + timedelta(minutes=29))
    assert client.get(ADMIN).status_code == 200
    morning.move_to(MORNING + timedelta(minutes=29 + 30))
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert not signed_in(client)


def test_a_busy_staff_session_ends_after_eight_hours(client_as, morning):
    client = client_as("officer")
    for minutes in range(0, 8 * 60, 20):
        morning.move_to(MORNING + timedelta(minutes=minutes))
        assert client.get(ADMIN).status_code == 200, f"signed out after {minutes} minutes"
    morning.move_to(MORNING + timedelta(hours=8))
    assert client.get(ADMIN).status_code == 302
    assert not signed_in(client)


def test_a_customer_keeps_the_customers_session_length(client_as, morning):
    client = client_as("customer")
    overview = reverse("accounts:overview")
    morning.move_to(MORNING + timedelta(hours=9))
    assert client.get(overview).status_code == 200
    morning.move_to(MORNING + timedelta(days=3))
    assert client.get(overview).status_code == 200
    assert signed_in(client)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
