"""Customer records in the admin: search, filters, and their history with its authors."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from apps.accounts.domain import PRIVACY_OFFICER
from tests.factories import UserFactory
from tests.helpers import add_authenticator, sign_in

pytestmark = pytest.mark.django_db


def test_it_lets_an_officer_search_users(client_as, customer, other_customer):
    client = client_as("officer")
    response = client.get(reverse("admin:accounts_user_changelist"), {"q": "customer@example"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [customer]

    by_name = client.get(reverse("admin:accounts_user_changelist"), {"q": "Olu"})
    assert list(by_name.context["cl"].result_list) == [other_customer]

    by_reference = client.get(reverse("admin:accounts_user_changelist"), {"q": str(customer.reference)})
    assert by_reference.status_code == 200
    assert customer in list(by_reference.context["cl"].result_list)


def test_it_lets_an_officer_filter_users(client_as, customer, officer):
    closed = UserFactory(email="gone@example.test", status="closed", closed_at=timezone.now())
    client = client_as("officer")

    response = client.get(reverse("admin:accounts_user_changelist"), {"status__exact": "closed"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [closed]

    staff = client.get(reverse("admin:accounts_user_changelist"), {"is_staff__exact": "1"})
    assert list(staff.context["cl"].result_list) == [officer]

    group = Group.objects.get(name=PRIVACY_OFFICER)
    in_group = client.get(reverse("admin:accounts_user_changelist"), {"groups__id__exact": group.pk})
    assert list(in_group.context["cl"].result_list) == [officer]

    vietnamese = UserFactory(email="viet@example.test", country="VN")
    country = client.get(reverse("admin:accounts_user_changelist"), {"country": "VN"})
    assert country.status_code == 200
    assert list(country.context["cl"].result_list) == [vietnamese]


def test_it_lists_each_customer_country_once_in_the_filter(client_as):
    from tests.factories import UserFactory

    UserFactory(country="VN")
    UserFactory(country="VN")
    page = client_as("officer").get("/admin/accounts/user/").content.decode()
    assert page.count("?country=VN") == 1


def test_it_lets_an_officer_search_and_filter_login_events(client_as, customer, records):
    client = client_as("officer")
    failed = client.get(reverse("admin:accounts_loginevent_changelist"), {"succeeded__exact": "0"})
    assert failed.status_code == 200
    assert [e.ip_address for e in failed.context["cl"].result_list] == ["198.51.100.2"]

    found = client.get(reverse("admin:accounts_loginevent_changelist"), {"q": "customer@example.test"})
    assert [e.user for e in found.context["cl"].result_list] == [customer]


def test_it_shows_history_with_its_author(client_as, records):
    response = client_as("auditor").get(reverse("admin:accounts_historicaluser_changelist"))
    assert response.status_code == 200
    change = next(r for r in response.context["cl"].result_list if r.history_change_reason == "details changed")
    assert change.history_user == records
    assert change.full_name == "Casey Changed"
    assert "details changed" in response.content.decode()


def test_it_lets_an_auditor_search_user_history(client_as, records):
    response = client_as("auditor").get(reverse("admin:accounts_historicaluser_changelist"), {"q": "details changed"})
    assert response.status_code == 200
    results = list(response.context["cl"].result_list)
    assert results
    assert all(r.history_change_reason == "details changed" for r in results)


def test_an_officer_cannot_set_someones_password(client_as, customer):
    # It would be signing in as them: a customer has no second factor.
    url = reverse("admin:auth_user_password_change", args=[customer.pk])
    client = client_as("officer")
    assert client.get(url).status_code == 403
    new = "a-password-the-officer-chose-1"
    assert client.post(url, {"password1": new, "password2": new}).status_code == 403
    customer.refresh_from_db()
    assert not customer.check_password(new)


def test_a_superuser_still_may_set_a_password(client, customer):
    root = UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    add_authenticator(root)
    response = sign_in(client, root).get(reverse("admin:auth_user_password_change", args=[customer.pk]))
    assert response.status_code == 200
