"""P-05: the data controller's identity, edited by officers, shown on every page."""

import pytest
from django.urls import reverse

from apps.accounts.models import Organisation
from apps.accounts.selectors import organisation_get
from apps.accounts.services import organisation_update


@pytest.fixture
def organisation(db):
    return Organisation.objects.create(
        name="Example Controller Ltd",
        company_number="12345678",
        address="1 Example Street\nLondon",
        contact_email="privacy@controller.test",
        dpo_email="dpo@controller.test",
    )


def test_it_shows_the_controller_in_the_footer(client, organisation):
    page = client.get("/").content.decode()
    assert "Example Controller Ltd" in page
    assert "12345678" in page
    assert "privacy@controller.test" in page
    assert "dpo@controller.test" in page


def test_it_refreshes_the_footer_when_an_officer_edits_the_controller(
    client_as, organisation, django_capture_on_commit_callbacks
):
    assert organisation_get().name == "Example Controller Ltd"  # now cached
    officer = client_as("officer")
    url = reverse("admin:accounts_organisation_change", args=[organisation.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(
            url,
            {
                "name": "Renamed Controller plc",
                "company_number": "87654321",
                "address": "2 New Road",
                "contact_email": "privacy@renamed.test",
                "dpo_email": "",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "Renamed Controller plc" in client_as("anonymous").get("/").content.decode()
    change = Organisation.history.first()
    assert change.history_user.email == "officer@example.test"
    assert change.history_change_reason == "organisation details changed"


def test_it_rejects_an_invalid_contact_email_in_the_admin(client_as, organisation):
    url = reverse("admin:accounts_organisation_change", args=[organisation.pk])
    response = client_as("officer").post(
        url, {"name": "X", "company_number": "", "address": "A", "contact_email": "not-an-email", "dpo_email": ""}
    )
    assert response.status_code == 200
    assert "Enter a valid email address" in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.contact_email == "privacy@controller.test"


def test_it_refuses_support_agents_editing_the_controller(client_as, organisation):
    url = reverse("admin:accounts_organisation_change", args=[organisation.pk])
    response = client_as("support_agent").post(url, {"name": "Hijacked", "address": "A", "contact_email": "a@b.test"})
    assert response.status_code == 403
    organisation.refresh_from_db()
    assert organisation.name == "Example Controller Ltd"


def test_it_records_the_officer_on_an_organisation_change(officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        organisation = organisation_update(
            actor=officer, name="Portal Ltd", address="1 Example Road", contact_email="privacy@portal.example"
        )
    record = organisation.history.first()
    assert record.history_user == officer
    assert record.history_change_reason == "organisation details changed"
    with django_capture_on_commit_callbacks(execute=True):
        organisation_update(actor=officer, name="Portal Group Ltd")
    assert Organisation.objects.count() == 1
    assert Organisation.objects.get().history.first().name == "Portal Group Ltd"
