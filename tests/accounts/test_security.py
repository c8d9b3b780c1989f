"""The Security page (P-03): the customer's own login history, failed sign-ins included."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import LoginEvent
from tests.factories import LoginEventFactory
from tests.helpers import sign_in
from tests.helpers.content import html

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("account_login")


def test_it_shows_only_the_customers_own_login_history(client_as, customer, other_customer):
    LoginEventFactory(user=customer, ip_address="198.51.100.10", browser="Firefox 131")
    LoginEventFactory(user=customer, ip_address="198.51.100.11", succeeded=False)
    LoginEventFactory(user=other_customer, ip_address="192.0.2.99", browser="Opera 99")
    LoginEventFactory(user=None, ip_address="192.0.2.100", succeeded=False)

    response = client_as("customer").get(reverse("accounts:security"))
    page = html(response)
    assert response.status_code == 200
    assert "198.51.100.10" in page
    assert "198.51.100.11" in page
    assert "Firefox 131" in page
    assert "Failed" in page
    assert "192.0.2.99" not in page
    assert "Opera 99" not in page
    assert "192.0.2.100" not in page
    assert {event.user_id for event in response.context["page"].object_list} == {customer.pk}


def test_it_paginates_login_history_newest_first(client_as, customer):
    from datetime import timedelta

    from django.utils import timezone

    client = client_as("customer")
    LoginEvent.objects.filter(user=customer).delete()  # the sign-in's own event aside
    now = timezone.now()
    for i in range(25):
        LoginEventFactory(user=customer, ip_address=f"198.51.100.{i + 1}", occurred_at=now - timedelta(minutes=i))

    first = client.get(reverse("accounts:security"))
    assert first.status_code == 200
    events = list(first.context["page"].object_list)
    assert len(events) == 20
    assert [e.ip_address for e in events[:2]] == ["198.51.100.1", "198.51.100.2"]
    assert "Page 1 of 2" in html(first)
    assert 'href="?page=2"' in html(first)

    second = client.get(reverse("accounts:security"), {"page": 2})
    assert [e.ip_address for e in second.context["page"].object_list] == [f"198.51.100.{i}" for i in range(21, 26)]
    assert "Page 2 of 2" in html(second)

    # Out-of-range or garbage page numbers fall back to a real page, not an error.
    assert client.get(reverse("accounts:security"), {"page": 99}).context["page"].number == 2
    assert client.get(reverse("accounts:security"), {"page": "abc"}).context["page"].number == 1


def test_it_says_when_there_is_no_login_history(client_as, customer):
    client = client_as("customer")
    LoginEvent.objects.filter(user=customer).delete()  # (signing in records one)
    assert "No sign-ins recorded yet." in html(client.get(reverse("accounts:security")))


def test_it_shows_a_failed_login_on_the_customers_security_page(client, customer):
    client.post(
        LOGIN_URL, {"login": "customer@example.test", "password": "wrong-password"}, REMOTE_ADDR="198.51.100.77"
    )
    signed_in = sign_in(Client(), customer)
    page = signed_in.get(reverse("accounts:security")).content.decode()
    assert "198.51.100.77" in page
    assert "Failed" in page


@pytest.mark.parametrize(
    ("path", "section"),
    [
        ("/accounts/2fa/", "Security"),
        ("/accounts/sessions/", "Security"),
        ("/accounts/password/change/", "Security"),
        ("/accounts/3rdparty/", "Security"),
        ("/accounts/email/", "Your details"),
        ("/account/details/phone/", "Your details"),
        ("/account/security/", "Security"),
    ],
)
def test_the_section_picker_names_the_section_of_every_account_page(client_as, path, section):
    """On a phone the menu is a picker naming the current section: allauth's pages and the
    details' own pages belong to the section that links to them (#16, seen at 390 px)."""
    page = client_as("customer").get(path).content.decode()
    summary = re.search(r"<summary>(.*?)</summary>", page, re.S).group(1)
    assert re.sub(r"<[^>]+>|\(choose another section\)", "", summary).split(":", 1)[1].strip() == section
    assert page.count('aria-current="page"') == 2  # the picker's and the list's, one section each
