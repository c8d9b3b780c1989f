"""Every link we send is built from SITE_URL, whichever host the request came in by: allauth's
emails, the public request form's confirmation email, List-Unsubscribe (RFC 8058 wants HTTPS)
and the Facebook data-deletion callback's status URL."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from apps.consent.domain.marketing import list_unsubscribe_headers
from apps.core.http import site_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_production_address")]

SITE = "https://privacy.example.com"
OTHER_HOST = "localhost"  # an allowed host that is not the public address


@pytest.fixture
def _production_address(settings):
    settings.SITE_URL = SITE


def links(message) -> list[str]:
    bodies = [message.body, *(content for content, _type in getattr(message, "alternatives", []))]
    return [link for body in bodies for link in re.findall(r"https?://[^\s<>\"']+", body)]


def test_site_url_puts_any_path_or_url_on_the_public_address():
    assert site_url("/requests/") == f"{SITE}/requests/"
    assert site_url("http://localhost/accounts/confirm-email/abc/?next=/x#top") == (
        f"{SITE}/accounts/confirm-email/abc/?next=/x#top"
    )


def test_allauths_password_reset_email_links_to_the_site_url(client, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": customer.email}, HTTP_HOST=OTHER_HOST)
    assert response.status_code == 302
    [message] = mail.outbox
    found = links(message)
    assert any(link.startswith(f"{SITE}/accounts/password/reset/key/") for link in found), message.body
    assert all(link.startswith(SITE) for link in found), found
    assert OTHER_HOST not in message.body


def test_allauths_unknown_account_email_links_to_the_site_url(client, django_capture_on_commit_callbacks):
    # Enumeration is prevented: an unknown address is told how to sign up, by a link on SITE_URL.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "nobody@example.test"}, HTTP_HOST=OTHER_HOST)
    [message] = mail.outbox
    assert f"{SITE}/accounts/signup/" in message.body
    assert OTHER_HOST not in message.body


def test_allauths_confirmation_email_links_to_the_site_url(client, django_capture_on_commit_callbacks):
    data = {
        "email": "new.person@example.test",
        "password1": "a long pass phrase 42",
        "password2": "a long pass phrase 42",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), data, HTTP_HOST=OTHER_HOST)
    assert response.status_code == 302
    [message] = mail.outbox
    assert re.search(rf"{re.escape(SITE)}/accounts/confirm-email/[^/\s]+/", message.body), message.body
    assert OTHER_HOST not in message.body


def test_the_public_forms_confirmation_email_links_to_the_site_url(django_capture_on_commit_callbacks):
    from tests.subject_requests.test_public import GOOD

    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("subject_requests:public_new"), GOOD, HTTP_HOST=OTHER_HOST)
    [message] = mail.outbox
    found = links(message)
    assert found
    assert all(link.startswith(f"{SITE}/") for link in found), found


def test_list_unsubscribe_offers_an_https_address_on_the_site_url():
    headers = list_unsubscribe_headers("token-123")
    first = re.match(r"<([^>]+)>", headers["List-Unsubscribe"]).group(1)
    assert first == f"{SITE}/unsubscribe/token-123/"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@override_settings(FACEBOOK_APP_SECRET="fb-secret")
def test_the_facebook_callbacks_status_url_is_on_the_site_url():
    import time

    from apps.subject_requests.domain import sign

    payload = {"algorithm": "HMAC-SHA256", "issued_at": int(time.time()), "user_id": "42"}
    response = Client().post(
        reverse("subject_requests:facebook_data_deletion"),
        {"signed_request": sign(payload, "fb-secret")},
        HTTP_HOST=OTHER_HOST,
    )
    assert response.status_code == 200
    assert response.json()["url"].startswith(f"{SITE}/requests/")
