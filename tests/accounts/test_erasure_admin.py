"""The officer's "Erase personal data…" action on users: a confirmation page, then the engine."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from apps.personal_data.models import ErasureRun

CHANGELIST = reverse("admin:accounts_user_changelist")


def post_action(client, users, **extra):
    data = {"action": "erase_personal_data", ACTION_CHECKBOX_NAME: [u.pk for u in users], **extra}
    return client.post(CHANGELIST, data)


def test_it_shows_a_confirmation_page_with_the_plan_before_erasing(client_as, customer):
    response = post_action(client_as("officer"), [customer])
    assert response.status_code == 200
    page = response.content.decode()
    assert "Erasure cannot be undone" in page
    assert customer.email in page
    # In words, as the certificate reads: kinds of record and reasons, never table or basis codes.
    assert "Users" in page
    assert "legal obligation" in page
    assert "accounts.User" not in page
    assert "legal_obligation" not in page
    assert not ErasureRun.objects.exists()


def test_it_needs_a_reason_to_erase(client_as, customer):
    response = post_action(client_as("officer"), [customer], confirm="yes", reason="  ")
    assert "Give a reason for the erasure." in response.content.decode()
    assert not ErasureRun.objects.exists()


def test_it_queues_an_erasure_with_the_officer_as_actor(
    client_as, customer, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = post_action(client_as("officer"), [customer], confirm="yes", reason="erasure request PR-1")
    assert response.status_code == 302
    run = ErasureRun.objects.get()
    assert run.subject_id == customer.pk
    assert run.requested_by == officer
    assert run.reason == "erasure request PR-1"


def test_it_refuses_to_erase_staff_accounts_from_here(client_as, support_agent):
    response = post_action(client_as("officer"), [support_agent], confirm="yes", reason="x")
    assert response.status_code == 302
    assert not ErasureRun.objects.exists()


@pytest.mark.parametrize("persona", ["support_agent", "auditor"])
def test_it_does_not_offer_erasure_to_other_roles(client_as, persona, customer):
    response = post_action(client_as(persona), [customer], confirm="yes", reason="x")
    assert response.status_code in (200, 302, 403)
    assert not ErasureRun.objects.exists()
