"""Your Account (P-01, P-03): who may see its pages, and that a customer only ever changes their own record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


LOGIN_URL = reverse("account_login")


ACCOUNT_PAGES = [
    reverse("accounts:overview"),
    reverse("accounts:details"),
    reverse("accounts:detail_edit", args=["name"]),
    reverse("accounts:detail_edit", args=["phone"]),
    reverse("accounts:detail_edit", args=["address"]),
    reverse("accounts:detail_edit", args=["country"]),
    reverse("accounts:detail_edit", args=["language"]),
    reverse("accounts:picture_edit"),
    reverse("accounts:own_picture"),
    reverse("accounts:security"),
    reverse("accounts:public_profile_edit"),
]


@pytest.mark.parametrize("url", ACCOUNT_PAGES)
def test_it_shows_each_account_page_to_the_signed_in_customer(client_as, customer_picture, url):
    response = client_as("customer").get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("url", ACCOUNT_PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(client_as, url):
    response = client_as("anonymous").get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={url}"


@pytest.mark.parametrize(
    "url",
    [
        reverse("accounts:detail_edit", args=["name"]),
        reverse("accounts:picture_edit"),
        reverse("accounts:public_profile_edit"),
    ],
)
def test_it_does_not_let_anonymous_visitors_post_changes(client_as, url):
    response = client_as("anonymous").post(url, {"full_name": "Mallory"})
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_it_does_not_let_a_customer_edit_someone_else(client_as, customer, other_customer):
    # Every edit acts on request.user; there is no id in the URL to tamper with.
    client_as("customer").post(reverse("accounts:detail_edit", args=["name"]), {"full_name": "Hijacked"})
    other_customer.refresh_from_db()
    assert other_customer.full_name == "Olu Other"
    assert UserFactory._meta.model.objects.filter(full_name="Hijacked").get() == customer
