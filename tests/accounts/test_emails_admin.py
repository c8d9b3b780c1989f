"""Email addresses in the admin (allauth's admin, re-registered): the Support agent reads them,
only those who may change them mark one verified."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:account_emailaddress_changelist")


@pytest.fixture
def unverified():
    user = UserFactory(email="new@example.test", verified_email=False)
    return EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)


def offered(client) -> set[str]:
    form = client.get(CHANGELIST).context["action_form"]
    return {name for name, _ in form.fields["action"].choices if name} if form else set()


def test_the_support_agent_reads_addresses_but_cannot_mark_one_verified(client_as, unverified):
    client = client_as("support_agent")
    assert "make_verified" not in offered(client)
    client.post(CHANGELIST, {"action": "make_verified", ACTION_CHECKBOX_NAME: [unverified.pk], "index": 0})
    unverified.refresh_from_db()
    assert not unverified.verified


def test_an_officer_marks_an_address_verified(client_as, unverified):
    client = client_as("officer")
    assert "make_verified" in offered(client)
    client.post(CHANGELIST, {"action": "make_verified", ACTION_CHECKBOX_NAME: [unverified.pk], "index": 0})
    unverified.refresh_from_db()
    assert unverified.verified
