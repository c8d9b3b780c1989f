"""The language (P-01): the preferred language on Your details, and the language switcher."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.helpers import sign_in
from tests.helpers.content import html

pytestmark = pytest.mark.django_db


def test_it_rejects_an_unknown_language(client_as, customer):
    response = client_as("customer").post(
        reverse("accounts:detail_edit", args=["language"]), {"preferred_language": "fr"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["preferred_language"][0]
    customer.refresh_from_db()
    assert customer.preferred_language == "en"


def test_it_switches_language_and_later_pages_render_in_vietnamese(client_as, customer):
    client = client_as("customer")
    assert '<html lang="en">' in html(client.get(reverse("accounts:overview")))

    response = client.post(reverse("accounts:detail_edit", args=["language"]), {"preferred_language": "vi"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.preferred_language == "vi"

    for url in (reverse("accounts:details"), reverse("accounts:overview"), reverse("accounts:security")):
        assert '<html lang="vi">' in html(client.get(url)), url


def test_it_keeps_the_preferred_language_in_a_new_session(client, customer):
    customer.preferred_language = "vi"
    customer.save()
    sign_in(client, customer)
    assert '<html lang="vi">' in html(client.get(reverse("accounts:overview")))


# --- Language switcher ------------------------------------------------------------------------


def test_it_rejects_an_unknown_language_in_the_switcher(client_as, customer):
    response = client_as("customer").post(reverse("accounts:language_switch"), {"language": "xx", "next": "/account/"})
    assert response.status_code == 400
    assert "Unknown language" in html(response)
    customer.refresh_from_db()
    assert customer.preferred_language == "en"


def test_it_redirects_an_unsafe_next_to_the_home_page(client_as):
    response = client_as("anonymous").post(
        reverse("accounts:language_switch"), {"language": "vi", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("next_url", ["//evil.example/", "https:///evil.example", "javascript:alert(1)"])
def test_it_redirects_other_unsafe_next_values_to_the_home_page(client_as, next_url):
    response = client_as("anonymous").post(reverse("accounts:language_switch"), {"language": "vi", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_it_follows_a_safe_next_and_remembers_the_choice(client_as, customer):
    client = client_as("customer")
    response = client.post(reverse("accounts:language_switch"), {"language": "vi", "next": "/account/details/"})
    assert response.status_code == 302
    assert response["Location"] == "/account/details/"
    assert response.cookies["django_language"].value == "vi"
    customer.refresh_from_db()
    assert customer.preferred_language == "vi"
    assert '<html lang="vi">' in html(client.get("/account/details/"))


def test_it_switches_language_for_anonymous_visitors_by_cookie(client_as):
    client = client_as("anonymous")
    client.post(reverse("accounts:language_switch"), {"language": "vi", "next": "/"})
    assert '<html lang="vi">' in html(client.get("/"))


def test_it_accepts_only_post_on_the_language_switcher(client_as):
    assert client_as("anonymous").get(reverse("accounts:language_switch"), {"language": "vi"}).status_code == 405


def test_it_records_the_customer_as_the_author_of_a_language_switch(client_as, customer):
    client_as("customer").post(reverse("accounts:language_switch"), {"language": "vi", "next": "/"})
    record = customer.history.first()
    assert record.preferred_language == "vi"
    assert record.history_user == customer
    assert record.history_change_reason == "language switched"
