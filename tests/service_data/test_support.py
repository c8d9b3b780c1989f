"""Support conversations: noted by the support team, shown to their customer only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.core.actors import SystemActor
from apps.service_data.services.support import support_communication_record

pytestmark = pytest.mark.django_db


def note(customer, actor, subject="Playlist will not load", body="Customer reports the app spins forever."):
    return support_communication_record(
        customer=customer, channel="phone", direction="from_customer", subject_line=subject, body=body, actor=actor
    )


def test_a_staff_member_is_kept_as_the_author(customer, support_agent):
    assert note(customer, support_agent).staff == support_agent
    assert note(customer, SystemActor("mail-import")).staff is None
    with pytest.raises(ValidationError):
        note(customer, support_agent, subject="  ")
    with pytest.raises(ValidationError):
        support_communication_record(
            customer=customer, channel="fax", direction="to_customer", subject_line="x", body="y", actor=support_agent
        )


def test_the_customer_sees_their_own_conversations_only(client_as, customer, other_customer, support_agent):
    mine = note(customer, support_agent)
    theirs = note(other_customer, support_agent, subject="Refund for March", body="Refund approved.")
    client = client_as("customer")
    listing = client.get(reverse("service_data:support")).content.decode()
    assert "Playlist will not load" in listing
    assert "Refund for March" not in listing
    detail = client.get(reverse("service_data:support_detail", kwargs={"reference": mine.reference}))
    assert "Customer reports the app spins forever." in detail.content.decode()
    assert support_agent.email not in detail.content.decode()
    assert client.get(reverse("service_data:support_detail", kwargs={"reference": theirs.reference})).status_code == 404
    assert client.get("/account/service/support/not-a-uuid/").status_code == 404
    assert client_as("anonymous").get(reverse("service_data:support")).status_code == 302
