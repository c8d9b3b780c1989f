"""Your Account → Overview: cards that tell how the account stands, each with its next step."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import PublicProfile
from apps.consent.models import ConsentEvent, Purpose
from apps.consent.services.ledger import Context, consent_record
from apps.personal_data.models import DataExport
from apps.subject_requests.selectors.requests import requests_for_subject
from apps.subject_requests.services.intake import subject_request_create
from tests.helpers import add_authenticator
from tests.helpers.content import html
from tests.helpers.markup import element_text

pytestmark = pytest.mark.django_db
OVERVIEW = reverse("accounts:overview")


def card(page: str, key: str) -> str:
    return element_text(page, f"card-{key}")


def test_it_needs_sign_in(client_as):
    response = client_as("anonymous").get(OVERVIEW)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_new_account_is_told_what_is_off_and_what_to_do(client_as, customer):
    page = html(client_as("customer").get(OVERVIEW))
    assert "Two-factor authentication Off" in card(page, "two_factor")
    assert "Turn on two-factor authentication" in card(page, "two_factor")
    assert 'class="checkup-card checkup-attention" id="card-two_factor"' in page
    assert "1 device" in card(page, "devices")  # this very sign-in
    assert "None open" in card(page, "requests")
    asked = Purpose.objects.filter(kind="processing", is_active=True, legal_basis="consent").count()
    assert f"0 of {asked} on" in card(page, "choices")
    assert "Never" in card(page, "export")
    assert "0 items shown" in card(page, "public_profile")
    assert "Nothing about you is public." in card(page, "public_profile")
    for url in (
        reverse("mfa_index"),
        reverse("usersessions_list"),
        reverse("subject_requests:new"),
        reverse("consent:choices"),
        reverse("personal_data:data"),
        reverse("accounts:public_profile_edit"),
    ):
        assert f'href="{url}"' in page


def test_the_cards_follow_the_customers_state(client_as, customer):
    add_authenticator(customer)
    newsletter = Purpose.objects.get(code="newsletter")
    consent_record(
        purpose=newsletter,
        granted=True,
        context=Context(method=ConsentEvent.Method.ACCOUNT_PAGE),
        actor=customer,
        subject=customer,
    )
    subject_request_create(
        request_type="access", channel="account", actor=customer, subject=customer, verification_method="signed_in"
    )
    DataExport.objects.create(subject=customer, status=DataExport.Status.READY)
    PublicProfile.objects.create(user=customer, handle="casey", show_display_name=True, show_avatar=True)
    client = client_as("customer")
    page = html(client.get(OVERVIEW))
    assert "Two-factor authentication On" in card(page, "two_factor")
    assert 'checkup-attention" id="card-two_factor"' not in page  # nothing to fix
    assert "1 of" in card(page, "choices")
    request = requests_for_subject(customer).get()
    assert "1 open" in card(page, "requests")
    assert f"{request.deadline_on.day} " in card(page, "requests")  # the date it is due by
    assert "Follow your requests" in card(page, "requests")
    assert "Your last copy: ready." in card(page, "export")
    assert "2 items shown" in card(page, "public_profile")
    assert "your display name, your profile picture" in card(page, "public_profile")


def test_it_only_reads(client_as, customer):
    client = client_as("customer")
    client.get(OVERVIEW)  # the session's own bookkeeping (allauth's session list) settles first
    with CaptureQueriesContext(connection) as queries:
        response = client.get(OVERVIEW)
    assert response.status_code == 200
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "django_session" not in q["sql"]
        and "usersessions" not in q["sql"]
    ]
    assert writes == []
    assert len(queries.captured_queries) <= 25


def test_devices_count_only_sessions_still_alive(client_as, customer):
    from allauth.usersessions.models import UserSession

    client = client_as("customer")
    UserSession.objects.create(user=customer, ip="192.0.2.9", session_key="ended-long-ago", user_agent="Old/1.0")
    assert "1 device" in card(html(client.get(OVERVIEW)), "devices")
    assert UserSession.objects.filter(session_key="ended-long-ago").exists()  # the overview deletes nothing
