"""Signing in (P-03): every attempt recorded, emails case-insensitive, and the rate limit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from apps.accounts.models import LoginEvent, User
from apps.accounts.services import login_event_record
from tests.factories import TEST_PASSWORD, UserFactory

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


def test_it_does_not_copy_the_record_into_history_on_every_sign_in(client, customer):
    before = customer.history.count()
    response = client.post("/accounts/login/", {"login": customer.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.last_login is not None
    assert customer.history.count() == before


# --- Behind a reverse proxy (issue 13) --------------------------------------------------------

PROXY = "10.0.0.2"


def test_failures_of_one_client_behind_our_proxy_do_not_lock_out_another(settings, client, customer):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for attempt in range(5):
        client.post(
            LOGIN_URL,
            {"login": f"guess{attempt}@example.test", "password": "nope-nope"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
    # The guesser is held...
    response = client.post(
        LOGIN_URL,
        {"login": "customer@example.test", "password": TEST_PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )
    assert escape(TOO_MANY) in response.content.decode()
    # ... another client reaching us through the same proxy is not.
    other = Client()
    response = other.post(
        LOGIN_URL,
        {"login": "customer@example.test", "password": TEST_PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    assert response.status_code == 302
    assert other.session["_auth_user_id"] == str(customer.pk)
    assert LoginEvent.objects.get(succeeded=True).ip_address == "198.51.100.8"


def test_a_forged_forwarded_for_does_not_escape_the_limit_without_trusted_proxies(settings, client, customer):
    settings.TRUSTED_PROXY_COUNT = None
    for attempt in range(5):
        client.post(
            LOGIN_URL,
            {"login": f"guess{attempt}@example.test", "password": "nope-nope"},
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt + 1}",
        )
    response = Client().post(
        LOGIN_URL,
        {"login": "customer@example.test", "password": TEST_PASSWORD},
        REMOTE_ADDR="203.0.113.5",
        HTTP_X_FORWARDED_FOR="198.51.100.50",
    )
    assert escape(TOO_MANY) in response.content.decode()
    assert LoginEvent.objects.filter(ip_address__startswith="198.51.100.").count() == 0
