"""The data controller in the admin (P-05): one row, never deleted, changed by officers only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.models import Organisation

pytestmark = pytest.mark.django_db


def test_it_sends_the_organisation_list_to_the_single_row(client_as, organisation):
    response = client_as("officer").get(reverse("admin:accounts_organisation_changelist"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:accounts_organisation_change", args=[organisation.pk])


def test_it_refuses_a_second_organisation(client_as, organisation):
    client = client_as("officer")
    assert client.get(reverse("admin:accounts_organisation_add")).status_code == 403
    response = client.post(
        reverse("admin:accounts_organisation_add"),
        {"name": "Second Ltd", "address": "Elsewhere", "contact_email": "x@second.example"},
    )
    assert response.status_code == 403
    assert Organisation.objects.count() == 1


def test_it_lets_an_officer_create_the_first_organisation_only(client_as):
    client = client_as("officer")
    listing = client.get(reverse("admin:accounts_organisation_changelist"))
    assert listing.status_code == 200
    response = client.post(
        reverse("admin:accounts_organisation_add"),
        {"name": "Portal Ltd", "address": "1 Example Road", "contact_email": "privacy@portal.example"},
    )
    assert response.status_code == 302
    assert Organisation.objects.count() == 1
    assert client.get(reverse("admin:accounts_organisation_add")).status_code == 403


def test_it_never_deletes_the_organisation(client_as, organisation):
    response = client_as("officer").get(reverse("admin:accounts_organisation_delete", args=[organisation.pk]))
    assert response.status_code == 403


def test_it_refuses_organisation_changes_to_support_and_auditors(client_as, organisation):
    for role in ("support_agent", "auditor"):
        response = client_as(role).post(
            reverse("admin:accounts_organisation_change", args=[organisation.pk]),
            {"name": "Hijack Ltd", "address": "x", "contact_email": "x@example.test"},
        )
        assert response.status_code == 403
    organisation.refresh_from_db()
    assert organisation.name == "Portal Ltd"
