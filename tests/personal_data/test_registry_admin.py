"""The officer's finder and registry map in the admin."""

import pytest
from django.urls import reverse

from apps.accounts.models import User
from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("persona", "status"), [("officer", 200), ("support_agent", 403), ("auditor", 403), ("customer", 302)]
)
def test_it_lets_only_officers_search_for_personal_data(client_as, persona, status):
    response = client_as(persona).get(reverse("admin:personal_data_finder"), {"q": "someone"})
    assert response.status_code == status


def test_it_sends_anonymous_visitors_to_sign_in(client_as):
    response = client_as("anonymous").get(reverse("admin:personal_data_finder"))
    assert response.status_code == 302


def test_it_shows_where_a_value_is_held(client_as):
    UserFactory(email="needle-4411@example.test", full_name="Nell Needle")
    page = client_as("officer").get(reverse("admin:personal_data_finder"), {"q": "needle-4411"}).content.decode()
    assert "accounts.User" in page
    assert "account.EmailAddress" in page
    assert "change history" in page


def test_it_rejects_a_too_short_search_with_a_message(client_as):
    response = client_as("officer").get(reverse("admin:personal_data_finder"), {"q": "ab"})
    assert response.status_code == 400
    assert "at least 3 characters" in response.content.decode()


def test_it_shows_the_registry_map_and_links_it_from_the_admin_index(client_as):
    officer = client_as("officer")
    page = officer.get(reverse("admin:personal_data_map")).content.decode()
    assert "accounts.LoginEvent" in page
    assert "user.device" in page
    assert "sessions.Session" in page
    index = officer.get(reverse("admin:index")).content.decode()
    assert reverse("admin:personal_data_finder") in index


def test_it_links_each_finding_to_the_person_it_is_about(client_as):
    person = UserFactory(email="linked-5521@example.test")
    page = client_as("officer").get(reverse("admin:personal_data_finder"), {"q": "linked-5521"}).content.decode()
    assert reverse("admin:accounts_user_change", args=[person.pk]) in page


def test_the_finder_ignores_a_nul_character_in_the_search(client_as):
    User.objects.create(email="needle-7731@example.test", full_name="Nell Needle")
    response = client_as("officer").get(reverse("admin:personal_data_finder"), {"q": "needle-77\x0031"})
    assert response.status_code == 200
    assert "accounts.User" in response.content.decode()
