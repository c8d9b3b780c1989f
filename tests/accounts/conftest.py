"""Fixtures and helpers shared by the accounts tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.accounts.models import Organisation
from apps.accounts.services import organisation_update, user_set_profile_picture, user_update_details
from tests.factories import LoginEventFactory
from tests.helpers.content import png_bytes, upload


@pytest.fixture
def customer_picture(customer) -> bytes:
    """Give the customer a picture through the real service; returns the stored bytes."""
    user_set_profile_picture(user=customer, actor=customer, upload=upload("me.png", png_bytes(colour=(1, 2, 3))))
    customer.refresh_from_db()
    return Path(customer.profile_picture.path).read_bytes()


# The controller as officers set it up in the admin (test_organisation.py has its own).
@pytest.fixture
def organisation(officer) -> Organisation:
    return organisation_update(
        actor=officer,
        name="Portal Ltd",
        company_number="01234567",
        address="1 Example Road, London",
        contact_email="privacy@portal.example",
    )


@pytest.fixture
def records(customer, other_customer):
    """Something to list: login events and a history entry for the customer."""
    LoginEventFactory(user=customer, ip_address="198.51.100.1", succeeded=True)
    LoginEventFactory(user=other_customer, ip_address="198.51.100.2", succeeded=False)
    user_update_details(user=customer, actor=customer, full_name="Casey Changed")
    return customer
