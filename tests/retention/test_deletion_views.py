"""Your Account → Delete account (P-32): who may, who may not, and what it does; signing in during the grace period."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from apps.accounts.models import User
from apps.core.actors import SystemActor
from apps.retention.models import AccountDeletion, RetentionRule
from apps.retention.services.deletion import account_deletion_request
from apps.retention.signals import cancel_deletion_on_sign_in
from tests.factories import TEST_PASSWORD
from tests.helpers import reauthenticate, sign_in

pytestmark = pytest.mark.django_db

PERIODS_URL = "/account/retention/"
DELETE_URL = "/account/delete/"
CANCEL_URL = "/account/delete/cancel/"
SCHEDULED_URL = "/account/deleted/"
CONFIRM = {"confirm": "on"}


def shown_date(moment: datetime) -> str:
    """How the page shows a date: the customer's zone (the factory's country, GB), English format."""
    return formats.date_format(moment.astimezone(ZoneInfo("Europe/London")), "DATE_FORMAT")


def shown_datetime(moment: datetime) -> str:
    return formats.date_format(moment.astimezone(ZoneInfo("Europe/London")), "DATETIME_FORMAT")


def nothing_changed(user) -> None:
    user.refresh_from_db()
    assert (user.status, user.closed_at, user.is_active) == (User.Status.ACTIVE, None, True)
    assert not AccountDeletion.objects.filter(subject=user).exists()


def schedule(user) -> AccountDeletion:
    # Without running the after-commit sign-out, as when another session asked a moment ago.
    return account_deletion_request(user=user, actor=SystemActor("tests"))


# --- Delete account: who may ---------------------------------------------------------------------


def test_anonymous_posts_change_nothing(client_as, customer):
    for url in (DELETE_URL, CANCEL_URL):
        response = client_as("anonymous").post(url, CONFIRM)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    nothing_changed(customer)


# --- Delete account: what it means -----------------------------------------------------------


def test_it_spells_out_what_goes_what_is_kept_and_when(client_as, django_assert_max_num_queries):
    client = client_as("customer")
    client.get(DELETE_URL)
    with django_assert_max_num_queries(10):
        page = client.get(DELETE_URL)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    html = page.content.decode()
    assert "You are signed out on every device" in html
    assert "We stop sending you marketing emails." in html
    # The grace period's end, from the account-deletion rule (14 days).
    ends = shown_date(timezone.now() + timedelta(days=14))
    assert f"What we erase on {ends}" in html
    assert f"Sign in again before {ends} and" in html
    # What erasure removes, by the registry's categories...
    assert "Your email address, phone number and mailing address" in html
    assert "The devices and IP addresses you signed in from" in html
    # ...and what it keeps, why and for how long, in the rules' own words.
    for code in ("closed-account-records", "consent-evidence", "disclosure-records"):
        rule = RetentionRule.objects.get(code=code)
        assert rule.title_en in html
        assert rule.explanation_en in html
    assert "A record of your request to delete your account" in html
    assert "legal obligation" in html
    assert "5 years" in html
    # Legal holds are never mentioned to the customer (tip-off), nor rules about accounts' own erasure.
    assert "hold" not in html.lower()
    assert "Your account, if you stop using it" not in html
    assert 'name="confirm"' in html
    assert "Delete my account" in html


def test_it_spells_it_out_in_vietnamese(client_as, customer):
    customer.preferred_language = "vi"
    customer.save()
    html = client_as("customer").get(DELETE_URL).content.decode()
    assert '<html lang="vi">' in html
    assert RetentionRule.objects.get(code="consent-evidence").title_vi in html
    assert RetentionRule.objects.get(code="consent-evidence").title_en not in html


def test_it_follows_the_rules_grace_period(client_as):
    RetentionRule.objects.filter(code="account-deletion").update(period=30)
    html = client_as("customer").get(DELETE_URL).content.decode()
    assert f"What we erase on {shown_date(timezone.now() + timedelta(days=30))}" in html
    assert "grace period of 30 days" in html


# --- Delete account: re-authentication, the request, sign-out everywhere ---------------------


def test_it_asks_for_the_password_again_before_deleting(client_as, customer):
    response = client_as("customer").post(DELETE_URL, CONFIRM)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    nothing_changed(customer)


def test_the_password_given_again_carries_the_request_out(client_as, customer, django_capture_on_commit_callbacks):
    client = client_as("customer")
    asked = client.post(DELETE_URL, CONFIRM)  # suspended by allauth until the password is given
    assert asked["Location"] == f"{reverse('account_reauthenticate')}?next=%2Faccount%2Fdelete%2F"
    nothing_changed(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(asked["Location"], {"password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == SCHEDULED_URL
    assert AccountDeletion.objects.get(subject=customer).status == AccountDeletion.Status.SCHEDULED
    assert str(AccountDeletion.objects.get().reference) in client.get(SCHEDULED_URL).content.decode()
    assert client.get("/account/").status_code == 302  # signed out


def test_a_wrong_password_deletes_nothing(client_as, customer):
    client = client_as("customer")
    asked = client.post(DELETE_URL, CONFIRM)
    response = client.post(asked["Location"], {"password": "not-the-password"})
    assert response.status_code == 200
    nothing_changed(customer)


def test_it_schedules_the_deletion_signs_out_and_confirms(client_as, customer, django_capture_on_commit_callbacks):
    client = reauthenticate(client_as("customer"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DELETE_URL, CONFIRM)
    assert response.status_code == 302
    assert response["Location"] == SCHEDULED_URL

    deletion = AccountDeletion.objects.get(subject=customer)
    assert deletion.status == AccountDeletion.Status.SCHEDULED
    assert abs(deletion.erase_after - (timezone.now() + timedelta(days=14))) < timedelta(minutes=1)
    customer.refresh_from_db()
    # Closed for use, but still able to sign in to cancel during the grace period.
    assert (customer.status, customer.is_active) == (User.Status.CLOSED, True)

    page = client.get(SCHEDULED_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert str(deletion.reference) in html
    assert shown_datetime(deletion.erase_after) in html
    assert "customer@example.test" not in html
    # This browser is signed out.
    assert client.get("/account/")["Location"].startswith(reverse("account_login"))
    assert [m.subject for m in mail.outbox] == ["[Privacy Portal] Your account will be deleted"]
    assert mail.outbox[0].to == ["customer@example.test"]


def test_the_request_signs_out_every_session(customer, other_customer, django_capture_on_commit_callbacks):
    phone, laptop, neighbour = Client(), Client(), Client()
    for client, user in ((phone, customer), (laptop, customer), (neighbour, other_customer)):
        sign_in(client, user)
        assert client.get("/account/").status_code == 200  # each session is now tracked
    with django_capture_on_commit_callbacks(execute=True):
        reauthenticate(laptop).post(DELETE_URL, CONFIRM)
    for client in (phone, laptop):
        response = client.get("/account/")
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert neighbour.get("/account/").status_code == 200


def test_it_refuses_a_request_without_the_box_ticked(client_as, customer):
    client = reauthenticate(client_as("customer"))
    for data in ({}, {"confirm": ""}, {"confirm": "false"}):
        response = client.post(DELETE_URL, data)
        assert response.status_code == 400
        assert "Tick the box to confirm" in response.content.decode()
    nothing_changed(customer)
    assert client.get("/account/").status_code == 200  # still signed in


def test_it_refuses_a_forged_request(customer):
    client = Client(enforce_csrf_checks=True)
    reauthenticate(sign_in(client, customer))
    assert client.post(DELETE_URL, CONFIRM).status_code == 403
    assert client.post(CANCEL_URL).status_code == 403
    nothing_changed(customer)


@pytest.mark.parametrize(
    ("method", "url"),
    [("put", DELETE_URL), ("delete", DELETE_URL), ("get", CANCEL_URL), ("post", PERIODS_URL), ("post", SCHEDULED_URL)],
)
def test_other_methods_are_refused(client_as, customer, method, url):
    client = reauthenticate(client_as("customer"))
    assert getattr(client, method)(url).status_code == 405
    nothing_changed(customer)


# --- Delete account: already scheduled, staff, other customers --------------------------------


def test_it_shows_a_deletion_another_session_scheduled_and_does_not_ask_twice(client_as, customer):
    client = reauthenticate(client_as("customer"))
    deletion = schedule(customer)
    html = client.get(DELETE_URL).content.decode()
    assert str(deletion.reference) in html
    assert shown_datetime(deletion.erase_after) in html
    assert 'name="confirm"' not in html
    response = client.post(DELETE_URL, CONFIRM)
    assert response.status_code == 409
    assert AccountDeletion.objects.filter(subject=customer).count() == 1


def test_a_session_left_open_can_keep_the_account(client_as, customer, django_capture_on_commit_callbacks):
    client = client_as("customer")
    deletion = schedule(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CANCEL_URL, follow=True)
    assert "Your account deletion was cancelled" in response.content.decode()
    deletion.refresh_from_db()
    customer.refresh_from_db()
    assert deletion.status == AccountDeletion.Status.CANCELLED
    assert customer.status == User.Status.ACTIVE
    assert [m.subject for m in mail.outbox] == ["[Privacy Portal] Your account will not be deleted"]


def test_cancelling_with_nothing_scheduled_changes_nothing(client_as, customer):
    response = client_as("customer").post(CANCEL_URL, follow=True)
    assert response.status_code == 200
    assert "nothing changed" in response.content.decode()
    nothing_changed(customer)


@pytest.mark.parametrize("persona", ["officer", "support_agent"])
def test_staff_are_told_to_ask_another_officer(client_as, persona, request):
    staff = request.getfixturevalue(persona)
    client = client_as(persona)
    page = client.get(DELETE_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ask another privacy officer" in html
    assert 'name="confirm"' not in html
    # Refused outright, before any password is asked for, and again after one.
    assert client.post(DELETE_URL, CONFIRM).status_code == 403
    assert reauthenticate(client).post(DELETE_URL, CONFIRM).status_code == 403
    nothing_changed(staff)


def test_another_customer_sees_and_changes_nothing_of_a_deletion(client_as, customer, other_customer):
    deletion = schedule(customer)
    other = reauthenticate(client_as("other_customer"))
    html = other.get(DELETE_URL).content.decode()
    assert str(deletion.reference) not in html
    assert 'name="confirm"' in html  # their own, unscheduled account
    other.post(CANCEL_URL)
    deletion.refresh_from_db()
    assert deletion.status == AccountDeletion.Status.SCHEDULED
    # The confirmation page shows only what this browser's own session was given.
    assert other.get(SCHEDULED_URL).status_code == 404
    assert str(deletion.reference) not in other.get(SCHEDULED_URL).content.decode()


def test_the_confirmation_page_without_a_deletion_is_a_clear_404(client_as):
    response = client_as("anonymous").get(SCHEDULED_URL)
    assert response.status_code == 404
    assert "There is no account deletion to show here" in response.content.decode()


# --- Signing in during the grace period ---------------------------------------------------------


def test_signing_in_during_the_grace_period_cancels_the_deletion(customer, django_capture_on_commit_callbacks):
    deletion = schedule(customer)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_login"), {"login": customer.email, "password": TEST_PASSWORD}, follow=True
        )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("accounts:overview")
    assert "Your account deletion was cancelled" in response.content.decode()
    deletion.refresh_from_db()
    customer.refresh_from_db()
    assert deletion.status == AccountDeletion.Status.CANCELLED
    assert (customer.status, customer.closed_at) == (User.Status.ACTIVE, None)
    assert deletion.history.first().history_user == customer  # the customer is the actor
    assert [m.subject for m in mail.outbox] == ["[Privacy Portal] Your account will not be deleted"]
    # Signing in again later says nothing more.
    client.post(reverse("account_logout"))
    again = client.post(reverse("account_login"), {"login": customer.email, "password": TEST_PASSWORD}, follow=True)
    assert "Your account deletion was cancelled" not in again.content.decode()


def test_an_open_account_signs_in_without_a_retention_query(customer, rf, django_assert_num_queries):
    with django_assert_num_queries(0):
        cancel_deletion_on_sign_in(sender=User, request=rf.get("/"), user=customer)


def test_signing_in_again_forgets_the_confirmation(client_as, customer, django_capture_on_commit_callbacks):
    client = reauthenticate(client_as("customer"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(DELETE_URL, CONFIRM)
    assert client.get(SCHEDULED_URL).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_login"), {"login": customer.email, "password": TEST_PASSWORD})
    assert AccountDeletion.objects.get().status == AccountDeletion.Status.CANCELLED
    assert client.get(SCHEDULED_URL).status_code == 404


def test_the_scheduled_deletion_time_is_in_the_customers_zone_as_it_says(client_as, customer, settings):
    settings.TIME_ZONE = "UTC"  # the organisation's zone
    customer.time_zone = "Asia/Ho_Chi_Minh"  # the customer's, 7 hours ahead
    customer.save(update_fields=["time_zone"])
    client = reauthenticate(client_as("customer"))
    deletion = schedule(customer)
    html = client.get(DELETE_URL).content.decode()
    local = deletion.erase_after.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert f"due to be deleted on {formats.date_format(local, 'DATETIME_FORMAT')}." in html
    assert "Times in Asia/Ho_Chi_Minh (GMT+7)" in html
