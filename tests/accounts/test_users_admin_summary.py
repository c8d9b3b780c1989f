"""The user's admin page shows the restrictions in force and the person's open requests."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.consent.services.ledger import restriction_place
from apps.subject_requests.services.intake import subject_request_create

pytestmark = pytest.mark.django_db


def test_officers_see_restrictions_and_open_requests_on_the_users_page(client_as, customer, officer):
    restriction_place(subject=customer, reason="Accuracy disputed by the customer", actor=officer)
    request, _ = subject_request_create(
        request_type="rectification",
        channel="account",
        actor=customer,
        subject=customer,
        verification_method="signed_in",
    )
    page = client_as("officer").get(reverse("admin:accounts_user_change", args=[customer.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Accuracy disputed by the customer" in html
    assert "all processing" in html
    assert request.short_reference in html


def test_support_agents_do_not_see_requests_on_the_users_page(client_as, customer, officer):
    subject_request_create(
        request_type="complaint", channel="account", actor=customer, subject=customer, verification_method="signed_in"
    )
    page = client_as("support_agent").get(reverse("admin:accounts_user_change", args=[customer.pk]))
    assert page.status_code == 200
    assert "open requests" not in page.content.decode()
