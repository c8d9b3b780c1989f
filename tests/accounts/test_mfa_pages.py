"""allauth's two-factor screens in the portal's own words and layout (#16): entering the code at
sign-in, turning the authenticator app on and off, the recovery codes. Sentence case, what to do in
plain words, the page's own layout; none of allauth's Title Case headings or generic wording."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD
from tests.helpers import add_authenticator, reauthenticate, sign_in, totp_code

pytestmark = pytest.mark.django_db

# allauth's own wording, which these pages no longer carry.
ALLAUTH_WORDING = [
    "Two-Factor Authentication",
    "Activate Authenticator App",
    "Deactivate Authenticator App",
    "Recovery Codes",
    "Authenticator secret",
    "Please enter an authenticator code",
    "Are you sure?",
    "Generate new codes",
    ">Generate<",
    ">Activate<",
    ">Deactivate<",
]


def _h1(html: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", html, re.S).group(1).strip()


def _own_words(html: str) -> None:
    for wording in ALLAUTH_WORDING:
        assert wording not in html, wording
    assert 'class="account-nav' in html or 'class="entrance"' in html  # the portal's layout


def test_turning_the_app_on_shows_the_key_then_the_recovery_codes(customer):
    client = reauthenticate(sign_in(Client(), customer))
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    assert _h1(page) == "Turn on two-factor authentication"
    assert 'alt="QR code to scan with your authenticator app"' in page
    _own_words(page)
    secret = re.search(r'<code class="totp-secret">([A-Z2-7]+)</code>', page).group(1)

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert 'aria-describedby="id_code_error"' in wrong.content.decode()  # the error is tied to its field

    done = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)}, follow=True)
    codes = done.content.decode()
    assert _h1(codes) == "Recovery codes"
    assert len(re.findall(r"<li><code>[0-9a-z]+</code></li>", codes)) > 5
    _own_words(codes)


def test_the_sign_in_code_page_says_what_to_enter(customer):
    secret = add_authenticator(customer)
    client = Client()
    response = client.post(reverse("account_login"), {"login": customer.email, "password": TEST_PASSWORD})
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    page = client.get(reverse("mfa_authenticate")).content.decode()
    assert _h1(page) == "Enter the code from your app"
    assert "six-digit code" in page
    assert "Cancel and sign out" in page
    _own_words(page)
    signed_in = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret, at=time.time())})
    assert signed_in.status_code == 302


def test_turning_it_off_and_new_codes_ask_in_plain_words(customer):
    add_authenticator(customer)
    client = reauthenticate(sign_in(Client(), customer))
    off = client.get(reverse("mfa_deactivate_totp")).content.decode()
    assert _h1(off) == "Turn off two-factor authentication"
    assert ">Keep it on</a>" in off
    _own_words(off)
    new_codes = client.get(reverse("mfa_generate_recovery_codes")).content.decode()
    assert _h1(new_codes) == "Make new recovery codes"
    _own_words(new_codes)

    client.post(reverse("mfa_deactivate_totp"))
    assert '<p class="checkup-state">Off</p>' in client.get(reverse("mfa_index")).content.decode()


def test_confirming_it_is_you_with_a_code_does_not_ask_for_the_password(customer):
    add_authenticator(customer)
    client = sign_in(Client(), customer)
    page = client.get(reverse("mfa_reauthenticate")).content.decode()
    assert _h1(page) == "Confirm it is you"
    assert "needs a fresh code from your authenticator app" in page
    assert "needs your password again" not in page
    assert "Use your password" in page  # the other way, offered apart
    _own_words(page)
