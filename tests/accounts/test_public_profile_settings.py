"""The public profile settings in Your Account (P-04): private until the customer chooses."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.models import PublicProfile
from tests.factories import PublicProfileFactory
from tests.helpers.content import html

pytestmark = pytest.mark.django_db


def test_it_creates_a_private_public_profile_on_first_visit(client_as, customer):
    response = client_as("customer").get(reverse("accounts:public_profile_edit"))
    assert response.status_code == 200
    profile = PublicProfile.objects.get(user=customer)
    assert profile.handle.startswith("user-")
    assert not profile.is_visible
    assert "Your profile is private: nothing is shown publicly." in html(response)


def test_it_saves_public_profile_choices(client_as, customer):
    response = client_as("customer").post(
        reverse("accounts:public_profile_edit"),
        {"handle": "casey", "display_name": "Casey C", "show_display_name": "on"},
    )
    assert response.status_code == 302
    profile = PublicProfile.objects.get(user=customer)
    assert (profile.handle, profile.display_name, profile.show_display_name, profile.show_avatar) == (
        "casey",
        "Casey C",
        True,
        False,
    )


def test_it_rejects_a_handle_with_odd_characters(client_as, customer):
    PublicProfileFactory(user=customer, handle="casey")
    response = client_as("customer").post(
        reverse("accounts:public_profile_edit"), {"handle": "casey <b>!", "show_display_name": "on"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["handle"]
    # Nothing was saved: the page must not say the profile is now public.
    assert "Your profile is private: nothing is shown publicly." in html(response)
    profile = PublicProfile.objects.get(user=customer)
    assert profile.handle == "casey"
    assert not profile.show_display_name


def test_it_records_the_customer_as_the_author_of_a_public_profile_change(client_as, customer):
    client_as("customer").post(reverse("accounts:public_profile_edit"), {"handle": "casey", "show_avatar": "on"})
    profile = PublicProfile.objects.get(user=customer)
    record = profile.history.first()
    assert record.show_avatar is True
    assert record.history_user == customer
    assert record.history_change_reason == "public profile changed"
