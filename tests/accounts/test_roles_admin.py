"""What each staff role may open and do in the accounts admin (P-25)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.models import LoginEvent, Organisation, User

pytestmark = pytest.mark.django_db


def _url(name: str, customer: User, organisation: Organisation) -> str:
    if name in {"admin:accounts_user_change", "admin:accounts_user_history"}:
        return reverse(name, args=[customer.pk])
    if name == "admin:accounts_organisation_change":
        return reverse(name, args=[organisation.pk])
    return reverse(name)


ACCESS = [
    # (role, url name, expected status)
    ("officer", "admin:index", 200),
    ("officer", "admin:accounts_user_changelist", 200),
    ("officer", "admin:accounts_user_change", 200),
    ("officer", "admin:accounts_user_history", 200),
    ("officer", "admin:accounts_loginevent_changelist", 200),
    ("officer", "admin:accounts_organisation_change", 200),
    ("officer", "admin:accounts_historicaluser_changelist", 200),
    ("officer", "admin:accounts_historicalpublicprofile_changelist", 200),
    ("officer", "admin:accounts_historicalorganisation_changelist", 200),
    ("support_agent", "admin:index", 200),
    ("support_agent", "admin:accounts_user_changelist", 200),
    ("support_agent", "admin:accounts_user_change", 200),
    ("support_agent", "admin:accounts_loginevent_changelist", 200),
    ("support_agent", "admin:accounts_organisation_change", 200),
    ("support_agent", "admin:accounts_user_history", 403),
    ("support_agent", "admin:accounts_historicaluser_changelist", 403),
    ("support_agent", "admin:accounts_historicalpublicprofile_changelist", 403),
    ("support_agent", "admin:accounts_historicalorganisation_changelist", 403),
    ("support_agent", "admin:accounts_user_add", 403),
    ("auditor", "admin:index", 200),
    ("auditor", "admin:accounts_user_changelist", 403),
    ("auditor", "admin:accounts_user_change", 403),
    ("auditor", "admin:accounts_historicaluser_changelist", 200),
    ("auditor", "admin:accounts_historicalpublicprofile_changelist", 200),
    ("auditor", "admin:accounts_historicalorganisation_changelist", 200),
    ("auditor", "admin:accounts_loginevent_changelist", 200),
    ("auditor", "admin:accounts_organisation_change", 200),
    ("auditor", "admin:accounts_user_add", 403),
]


@pytest.mark.parametrize(("role", "url_name", "expected"), ACCESS, ids=[f"{r}-{u.split(':')[1]}" for r, u, _ in ACCESS])
def test_it_gives_each_role_exactly_its_pages(client_as, customer, organisation, records, role, url_name, expected):
    response = client_as(role).get(_url(url_name, customer, organisation))
    assert response.status_code == expected


@pytest.mark.parametrize("role", ["officer", "support_agent", "auditor"])
def test_it_never_offers_add_change_or_delete_on_login_events(client_as, customer, records, role):
    client = client_as(role)
    event = LoginEvent.objects.filter(user=customer).first()
    assert client.get(reverse("admin:accounts_loginevent_add")).status_code == 403
    assert client.get(reverse("admin:accounts_loginevent_delete", args=[event.pk])).status_code == 403
    response = client.post(reverse("admin:accounts_loginevent_change", args=[event.pk]), {"succeeded": "on"})
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["officer", "auditor"])
def test_it_keeps_history_read_only_even_for_roles_that_see_it(client_as, records, role):
    client = client_as(role)
    record = records.history.first()
    assert client.get(reverse("admin:accounts_historicaluser_add")).status_code == 403
    assert client.get(reverse("admin:accounts_historicaluser_delete", args=[record.pk])).status_code == 403


# --- Support agent: read-only ---------------------------------------------------------------


def test_it_shows_the_user_page_read_only_to_a_support_agent(client_as, customer):
    client = client_as("support_agent")
    url = reverse("admin:accounts_user_change", args=[customer.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert 'name="_save"' not in page.content.decode()

    response = client.post(url, {"email": customer.email, "full_name": "Changed By Support", "status": "active"})
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.full_name == "Casey Customer"


def test_it_hides_the_delete_action_from_a_support_agent(client_as, customer):
    response = client_as("support_agent").get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    assert "delete_selected" not in response.content.decode()
    assert client_as("support_agent").get(reverse("admin:accounts_user_delete", args=[customer.pk])).status_code == 403


def test_it_refuses_a_bulk_delete_posted_by_a_support_agent(client_as, customer):
    response = client_as("support_agent").post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [customer.pk], "post": "yes"},
    )
    # Not an action this role has: nothing runs, the list comes back without a confirmation step.
    assert response.status_code == 200
    assert "Are you sure?" not in response.content.decode()
    assert User.objects.filter(pk=customer.pk).exists()


def test_it_offers_an_officer_erasure_not_deletion(client_as, customer):
    # Deleting the row would leave the person's data in every other table: a customer is erased.
    response = client_as("officer").get(reverse("admin:accounts_user_changelist"))
    assert "delete_selected" not in response.content.decode()
    assert "erase_personal_data" in response.content.decode()
    assert client_as("officer").get(reverse("admin:accounts_user_delete", args=[customer.pk])).status_code == 403
