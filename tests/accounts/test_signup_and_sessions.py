"""Sign-up and the allauth screens in the portal's own layout: optional choices apart and
labelled optional, the privacy notice where data is asked for, sessions with a readable
device, and no Remove for the only email address."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from tests.helpers import add_authenticator, sign_in
from tests.helpers.content import html

pytestmark = pytest.mark.django_db

FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def test_sign_up_asks_for_the_account_first_then_optional_choices_in_their_own_group(client):
    page = html(client.get(reverse("account_signup")))
    assert "<h1>Create an account</h1>" in page
    names = re.findall(r'<input[^>]*name="(email|full_name|password1|password2|consent_[\w-]+)"', page)
    assert names[:4] == ["email", "full_name", "password1", "password2"]
    assert len(names) == 9
    assert all(name.startswith("consent_") for name in names[4:])
    group = page.split('<fieldset class="optional-choices"', 1)[1].split("</fieldset>", 1)[0]
    assert "<legend>News and offers (optional)</legend>" in group
    assert all(f'name="{name}"' in group for name in names[4:])  # every optional choice inside it
    assert 'name="email"' not in group
    assert 'name="password1"' not in group
    assert "required" not in group


def test_sign_up_links_the_privacy_notice_where_the_data_is_asked_for(client):
    page = html(client.get(reverse("account_signup")))
    policy = reverse("consent:policy_current")
    before_fields = page.split('name="email"', 1)[0]
    assert f'<a href="{policy}">privacy notice</a>' in before_fields
    assert f'<a href="{policy}">privacy notice</a>' in page.split('<fieldset class="optional-choices"', 1)[1]


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("account_login", "Sign in"),
        ("account_signup", "Create an account"),
        ("account_reset_password", "Reset your password"),
        ("account_reset_password_done", "Check your email"),
        ("account_email_verification_sent", "Check your email"),
    ],
)
def test_the_entrance_screens_speak_in_sentence_case(client, url_name, heading):
    page = html(client.get(reverse(url_name)))
    assert f"<h1>{heading}</h1>" in page
    assert "<title>" + heading in page


def test_signed_in_allauth_screens_use_the_account_layout(client_as):
    client = client_as("customer")
    for url_name, heading in (
        ("account_email", "Email addresses"),
        ("account_change_password", "Change your password"),
        ("usersessions_list", "Where you are signed in"),
        ("account_reauthenticate", "Confirm it is you"),
        ("mfa_index", "Two-factor authentication"),
        ("socialaccount_connections", "Connected Google and Facebook accounts"),
    ):
        page = html(client.get(reverse(url_name)))
        assert f"<h1>{heading}</h1>" in page, url_name
        assert 'class="account-picker"' in page or url_name == "account_reauthenticate"


def test_sessions_name_a_readable_device_and_no_header_is_empty(customer):
    client = sign_in(Client(HTTP_USER_AGENT=FIREFOX_ON_WINDOWS), customer)
    page = html(client.get(reverse("usersessions_list")))
    assert '<th scope="row" data-label="Device">Firefox on Windows</th>' in page
    assert FIREFOX_ON_WINDOWS not in page  # the raw string is not shown
    assert not re.search(r"<th[^>]*>\s*</th>", page)
    assert "Yes, you are using it now" in page


def test_the_only_email_address_cannot_be_removed(client_as, customer):
    page = html(client_as("customer").get(reverse("account_email")))
    assert 'name="action_remove"' not in page
    assert "add another before removing this one" in page


def test_remove_is_a_quiet_action_when_there_are_two_addresses(client_as, customer):
    EmailAddress.objects.create(user=customer, email="second@example.test", verified=True, primary=False)
    page = html(client_as("customer").get(reverse("account_email")))
    remove = re.search(r'<button[^>]*name="action_remove"[^>]*>', page).group(0)
    assert 'class="button-link button-link-danger"' in remove
    assert 'class="button"' not in remove


def test_two_factor_says_whether_it_is_on_and_how_to_change_it(client_as, customer):
    client = client_as("customer")
    page = html(client.get(reverse("mfa_index")))
    assert f'<a class="button" href="{reverse("mfa_activate_totp")}">Turn on two-factor authentication</a>' in page
    add_authenticator(customer)
    page = html(client.get(reverse("mfa_index")))
    assert "Turn off two-factor authentication" in page
    assert reverse("mfa_generate_recovery_codes") in page


def test_sign_in_offers_to_stay_signed_in_in_plain_words(client):
    page = html(client.get(reverse("account_login")))
    assert "Keep me signed in on this device" in page
    assert "Remember Me" not in page
    assert '<h2 id="social-sign-in">Or continue with</h2>' in page  # the test settings offer a provider


def test_a_connected_google_account_can_be_disconnected_from_the_page(client_as, customer):
    from allauth.socialaccount.models import SocialAccount

    account = SocialAccount.objects.create(user=customer, provider="google", uid="g-1", extra_data={"name": "Casey"})
    page = html(client_as("customer").get(reverse("socialaccount_connections")))
    assert f'name="account" value="{account.pk}"' in page
    assert '<button type="submit" class="button-link button-link-danger">Disconnect the chosen account</button>' in page


@time_machine.travel(datetime(2026, 1, 15, 23, 30, tzinfo=UTC), tick=False)
def test_sessions_say_when_in_the_customers_zone_whatever_the_organisations_zone(customer, settings):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"  # 06:30 on 16 January there
    customer.time_zone = "Europe/Berlin"  # 00:30 on 16 January for the customer
    customer.save(update_fields=["time_zone"])
    client = sign_in(Client(HTTP_USER_AGENT=FIREFOX_ON_WINDOWS), customer)
    page = html(client.get(reverse("usersessions_list")))
    assert "Times in Europe/Berlin (GMT+1)" in page
    assert ">16 Jan 2026, 00:30</time>" in page
    assert "06:30" not in page
