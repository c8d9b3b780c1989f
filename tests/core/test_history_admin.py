"""simple-history's pages on tracked models' admins: read-only, and only for those who may see
the live record (apps/core/admin/history.py)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin import TrackedModelAdmin

pytestmark = pytest.mark.django_db


def _version_url(user) -> str:
    version = user.history.latest("history_date")
    return reverse("admin:accounts_user_simple_history", args=[user.pk, version.history_id])


def _revert_post(user) -> dict[str, str]:
    """What the version page's form would post to make its user a superuser."""
    return {
        "email": user.email,
        "full_name": "Changed Through History",
        "status": "active",
        "preferred_language": "en",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "password": user.password,
        "publicprofile-TOTAL_FORMS": "0",
        "publicprofile-INITIAL_FORMS": "0",
    }


@pytest.mark.parametrize("role", ["auditor", "officer"])
def test_it_never_saves_a_version_posted_to_the_history_page(client_as, customer, role):
    response = client_as(role).post(_version_url(customer), _revert_post(customer))

    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.full_name == "Casey Customer"
    assert not customer.is_superuser
    assert not customer.is_staff


@pytest.mark.parametrize("url_name", ["history", "version"])
def test_it_keeps_the_live_users_history_pages_from_an_auditor(client_as, customer, url_name):
    url = (
        reverse("admin:accounts_user_history", args=[customer.pk]) if url_name == "history" else _version_url(customer)
    )
    response = client_as("auditor").get(url)

    assert response.status_code == 403
    assert customer.email not in response.content.decode()


def test_it_still_shows_the_history_pages_to_an_officer(client_as, customer):
    client = client_as("officer")
    assert client.get(reverse("admin:accounts_user_history", args=[customer.pk])).status_code == 200
    page = client.get(_version_url(customer))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_it_gives_every_tracked_models_admin_the_read_only_history_pages():
    plain = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, SimpleHistoryAdmin) and not isinstance(model_admin, TrackedModelAdmin)
    ]
    assert plain == []


def test_it_reads_which_field_an_admin_option_names():
    from apps.core.admin import CountryInUseFilter
    from apps.core.admin.visibility import names_field

    assert names_field("email") == "email"
    assert names_field("=reference") == "reference"
    assert names_field("-history_date") == "history_date"
    assert names_field("user__email__icontains") == "user"
    assert names_field(("status", admin.EmptyFieldListFilter)) == "status"
    assert names_field(CountryInUseFilter) == "country"
    assert names_field(len) is None
