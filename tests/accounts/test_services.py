"""Account services and the sign-in bookkeeping around them (P-01, P-03, P-43)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from apps.accounts.models import LoginEvent, Organisation, User
from apps.accounts.services import (
    login_event_record,
    organisation_update,
    user_touch_last_seen,
    user_update_details,
)
from apps.core.actors import SystemActor
from tests.factories import TEST_PASSWORD, UserFactory
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("account_login")
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"
)
BAD_CREDENTIALS = "The email address and/or password you specified are not correct."
TOO_MANY = "Too many failed login attempts. Try again later."

DAY_ONE_MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _stored_last_seen(user: User) -> datetime | None:
    return User.objects.values_list("last_seen_at", flat=True).get(pk=user.pk)


# --- user_touch_last_seen ---------------------------------------------------------------


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


# --- login_event_record -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("agent", "device", "browser", "operating_system"),
    [
        (IPHONE, "Mobile", "Mobile Safari 17.5", "iOS 17.5"),
        (WINDOWS_CHROME, "Computer", "Chrome 130.0.0", "Windows 10"),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Tablet",
            "Mobile Safari 17.5",
            "iOS 17.5",
        ),
        ("", "", "", ""),
    ],
    ids=["iphone", "windows-chrome", "ipad", "empty"],
)
def test_it_records_a_login_event_with_the_parsed_user_agent(customer, agent, device, browser, operating_system):
    event = login_event_record(
        user=customer, method=LoginEvent.Method.PASSWORD, succeeded=True, ip_address="203.0.113.9", user_agent=agent
    )
    event.refresh_from_db()
    assert (event.device, event.browser, event.operating_system) == (device, browser, operating_system)
    assert event.user == customer
    assert event.ip_address == "203.0.113.9"
    assert event.user_agent == agent
    assert event.succeeded is True


def test_it_truncates_an_overlong_user_agent_and_blanks_a_missing_ip(customer):
    event = login_event_record(
        user=None, method=LoginEvent.Method.PASSWORD, succeeded=False, ip_address="", user_agent=IPHONE + "x" * 1000
    )
    event.refresh_from_db()
    assert len(event.user_agent) == 512
    assert event.ip_address is None
    assert event.user is None
    assert event.device == "Mobile"


# --- Emails are case-insensitively unique ----------------------------------------------------


def test_it_stores_emails_in_lower_case(db):
    user = User.objects.create_user("Mixed.Case@Example.TEST", password=TEST_PASSWORD)
    assert user.email == "mixed.case@example.test"


def test_it_refuses_a_second_user_with_the_same_email_in_another_case(db):
    UserFactory(email="a@x.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("A@X.test", password=TEST_PASSWORD)
    assert User.objects.filter(email__iexact="a@x.test").count() == 1


def test_it_refuses_a_mixed_case_duplicate_even_past_the_manager(db):
    UserFactory(email="a@x.test")
    # Saved directly, without the manager's normalisation: the database constraint still holds.
    with pytest.raises(IntegrityError), transaction.atomic():
        User(email="A@X.test").save()
    # And model validation says so before the database does.
    with pytest.raises(ValidationError) as excinfo:
        User(email="A@X.TEST", password="!").full_clean()
    assert "email" in excinfo.value.message_dict


def test_it_does_not_create_a_second_account_when_signing_up_in_another_case(client, customer):
    response = client.post(
        reverse("account_signup"),
        {"email": "CUSTOMER@Example.Test", "password1": "a-new-long-password-1", "password2": "a-new-long-password-1"},
    )
    assert response.status_code in (200, 302)
    assert User.objects.filter(email__iexact="customer@example.test").count() == 1


def test_it_signs_in_with_the_email_in_another_case(client, customer):
    response = client.post(
        LOGIN_URL, {"login": "Customer@EXAMPLE.test", "password": TEST_PASSWORD}, HTTP_USER_AGENT=IPHONE
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:overview")
    assert client.session["_auth_user_id"] == str(customer.pk)
    event = LoginEvent.objects.get()
    assert (event.user, event.succeeded, event.method, event.device) == (customer, True, "password", "Mobile")


# --- Failed sign-ins and the rate limit ---------------------------------------------------------


def test_it_records_a_failed_login_against_the_existing_user(client, customer):
    response = client.post(
        LOGIN_URL,
        {"login": "customer@example.test", "password": "wrong-password"},
        HTTP_USER_AGENT=WINDOWS_CHROME,
        REMOTE_ADDR="198.51.100.23",
    )
    assert response.status_code == 200
    assert escape(BAD_CREDENTIALS) in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = LoginEvent.objects.get()
    assert event.user == customer
    assert event.succeeded is False
    assert event.method == LoginEvent.Method.PASSWORD
    assert event.ip_address == "198.51.100.23"
    assert (event.device, event.browser, event.operating_system) == ("Computer", "Chrome 130.0.0", "Windows 10")


def test_it_links_a_failed_login_in_another_case_to_the_user(client, customer):
    client.post(LOGIN_URL, {"login": "CUSTOMER@example.test", "password": "wrong-password"})
    assert LoginEvent.objects.get().user == customer


def test_it_records_a_failed_login_for_an_unknown_email_without_a_user(client, customer):
    response = client.post(LOGIN_URL, {"login": "nobody@example.test", "password": "wrong-password"})
    assert response.status_code == 200
    assert escape(BAD_CREDENTIALS) in response.content.decode()
    event = LoginEvent.objects.get()
    assert event.user is None
    assert event.succeeded is False
    # The attempted address is not kept anywhere on the event.
    assert "nobody@example.test" not in " ".join(
        str(getattr(event, f.attname)) for f in LoginEvent._meta.concrete_fields
    )


def test_it_shows_a_failed_login_on_the_customers_security_page(client, customer):
    client.post(
        LOGIN_URL, {"login": "customer@example.test", "password": "wrong-password"}, REMOTE_ADDR="198.51.100.77"
    )
    signed_in = sign_in(Client(), customer)
    page = signed_in.get(reverse("accounts:security")).content.decode()
    assert "198.51.100.77" in page
    assert "Failed" in page


def test_it_blocks_sign_in_after_five_failures_for_one_email(client, customer):
    for attempt in range(5):
        response = client.post(
            LOGIN_URL,
            {"login": "customer@example.test", "password": f"wrong-{attempt}"},
            REMOTE_ADDR=f"198.51.100.{attempt + 1}",  # different addresses: the per-email limit applies
        )
        assert escape(BAD_CREDENTIALS) in response.content.decode()

    # Even the right password is refused now, with a clear message.
    response = client.post(
        LOGIN_URL, {"login": "customer@example.test", "password": TEST_PASSWORD}, REMOTE_ADDR="198.51.100.99"
    )
    assert response.status_code == 200
    assert escape(TOO_MANY) in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert LoginEvent.objects.filter(user=customer, succeeded=True).count() == 0


def test_it_blocks_sign_in_after_five_failures_from_one_address(client, customer):
    for attempt in range(5):
        client.post(
            LOGIN_URL, {"login": f"guess{attempt}@example.test", "password": "nope-nope"}, REMOTE_ADDR="203.0.113.5"
        )
    response = client.post(
        LOGIN_URL, {"login": "customer@example.test", "password": TEST_PASSWORD}, REMOTE_ADDR="203.0.113.5"
    )
    assert escape(TOO_MANY) in response.content.decode()
    assert "_auth_user_id" not in client.session

    # Another address is not affected.
    other = Client()
    response = other.post(
        LOGIN_URL, {"login": "customer@example.test", "password": TEST_PASSWORD}, REMOTE_ADDR="203.0.113.6"
    )
    assert response.status_code == 302
    assert other.session["_auth_user_id"] == str(customer.pk)


def test_it_allows_fewer_than_five_failures_then_a_correct_sign_in(client, customer):
    for attempt in range(4):
        client.post(LOGIN_URL, {"login": "customer@example.test", "password": f"wrong-{attempt}"})
    response = client.post(LOGIN_URL, {"login": "customer@example.test", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert LoginEvent.objects.filter(user=customer, succeeded=False).count() == 4
    assert LoginEvent.objects.filter(user=customer, succeeded=True).count() == 1


# --- History authors for services called outside a request ----------------------------------------


def test_it_records_the_actor_of_a_details_change(customer, officer):
    user_update_details(user=customer, actor=officer, reason="corrected on request", phone="+442079460958")
    record = customer.history.first()
    assert record.history_user == officer
    assert record.history_change_reason == "corrected on request"
    assert record.phone == "+442079460958"


def test_it_records_a_system_actor_by_name(customer):
    user_update_details(user=customer, actor=SystemActor("import"), reason="imported", full_name="Casey Imported")
    record = customer.history.first()
    assert record.history_user is None
    assert record.history_change_reason == "imported [system:import]"


def test_it_refuses_fields_that_are_not_editable_details(customer):
    with pytest.raises(ValueError, match="email"):
        user_update_details(user=customer, actor=customer, email="evil@example.test")
    with pytest.raises(ValueError, match="is_staff"):
        user_update_details(user=customer, actor=customer, is_staff=True)
    customer.refresh_from_db()
    assert (customer.email, customer.is_staff) == ("customer@example.test", False)


def test_it_records_the_officer_on_an_organisation_change(officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        organisation = organisation_update(
            actor=officer, name="Portal Ltd", address="1 Example Road", contact_email="privacy@portal.example"
        )
    record = organisation.history.first()
    assert record.history_user == officer
    assert record.history_change_reason == "organisation details changed"
    with django_capture_on_commit_callbacks(execute=True):
        organisation_update(actor=officer, name="Portal Group Ltd")
    assert Organisation.objects.count() == 1
    assert Organisation.objects.get().history.first().name == "Portal Group Ltd"


def test_it_does_not_copy_the_record_into_history_on_every_sign_in(client, customer):
    before = customer.history.count()
    response = client.post("/accounts/login/", {"login": customer.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.last_login is not None
    assert customer.history.count() == before
