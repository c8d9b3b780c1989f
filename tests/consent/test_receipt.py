"""Consent receipts against the Kantara Initiative's Consent Receipt Specification v1.1: every field
it requires is present, filled and of its type, for a customer with consents and for one with none,
and the jurisdiction is the subject's."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.accounts.selectors import ORGANISATION_CACHE_KEY
from apps.consent.models import ConsentEvent, PolicyVersion, Purpose
from apps.consent.selectors.ledger import consent_receipt, postal_address
from apps.consent.selectors.policy import current_policy
from apps.consent.services.ledger import Context, consent_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = Context(method=ConsentEvent.Method.ACCOUNT_PAGE, language="en", source_page="/account/privacy-choices/")

# The specification's fields (KI-CR-v1.1.0, section 5) with the type each must have; "required"
# marks what a receipt must carry. Optional fields (publicKey, language, onBehalf,
# piiControllerUrl, primaryPurpose) are checked for type only when present.
RECEIPT_FIELDS = {
    "version": (str, True),
    "jurisdiction": (str, True),
    "consentTimestamp": (int, True),
    "collectionMethod": (str, True),
    "consentReceiptID": (str, True),
    "publicKey": (str, False),
    "language": (str, False),
    "piiPrincipalId": (str, True),
    "piiControllers": (list, True),
    "policyUrl": (str, True),
    "services": (list, True),
    "sensitive": (bool, True),
    "spiCat": (list, True),
}
CONTROLLER_FIELDS = {
    "piiController": (str, True),
    "onBehalf": (bool, False),
    "contact": (str, True),
    "address": (dict, True),
    "email": (str, True),
    "phone": (str, True),
    "piiControllerUrl": (str, False),
}
# The address is a schema.org PostalAddress in v1.1.
ADDRESS_FIELDS = {"streetAddress": True, "addressLocality": True, "postalCode": True, "addressCountry": True}
SERVICE_FIELDS = {"service": (str, True), "purposes": (list, True)}
PURPOSE_FIELDS = {
    "purpose": (str, True),
    "purposeCategory": (list, True),
    "consentType": (str, True),
    "piiCategory": (list, True),
    "primaryPurpose": (bool, False),
    "termination": (str, True),
    "thirdPartyDisclosure": (bool, True),
}
# Lists that may be empty: spiCat when "sensitive" is false; a service's purposes when the
# subject agreed to nothing (the receipt then records that, and when).
EMPTY_ALLOWED = {"spiCat", "purposes"}


def check_fields(obj: dict, fields: dict, where: str) -> None:
    for name, (kind, required) in fields.items():
        if name not in obj:
            assert not required, f"{where}.{name} is required"
            continue
        value = obj[name]
        assert isinstance(value, kind), f"{where}.{name}: {value!r}"
        assert not (kind is int and isinstance(value, bool)), f"{where}.{name}: {value!r}"
        if required and kind in (str, list) and name not in EMPTY_ALLOWED:
            assert value, f"{where}.{name} is empty"


def check_receipt(receipt: dict) -> None:
    check_fields(receipt, RECEIPT_FIELDS, "receipt")
    assert receipt["version"] == "KI-CR-v1.1.0"
    assert re.fullmatch(r"[A-Z]{2}", receipt["jurisdiction"])
    uuid.UUID(receipt["consentReceiptID"])
    assert 0 < receipt["consentTimestamp"] <= int(timezone.now().timestamp())
    policy = urlsplit(receipt["policyUrl"])
    assert (policy.scheme, policy.netloc) == ("https", "privacy.example.com")
    for controller in receipt["piiControllers"]:
        check_fields(controller, CONTROLLER_FIELDS, "piiController")
        assert "@" not in controller["contact"]  # a contact's name, not an address
        assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", controller["email"])
        assert re.fullmatch(r"\+?[\d ()-]{6,}", controller["phone"])
        for name, required in ADDRESS_FIELDS.items():
            assert isinstance(controller["address"].get(name), str)
            assert not required or controller["address"][name], f"address.{name} is empty"
        assert re.fullmatch(r"[A-Z]{2}", controller["address"]["addressCountry"])
    for service in receipt["services"]:
        check_fields(service, SERVICE_FIELDS, "service")
        for purpose in service["purposes"]:
            check_fields(purpose, PURPOSE_FIELDS, "purpose")
            assert purpose["consentType"] in ("EXPLICIT", "IMPLICIT")
            if purpose["thirdPartyDisclosure"]:
                assert purpose.get("thirdPartyName"), "thirdPartyName is required when data is disclosed"


@pytest.fixture(autouse=True)
def controller(settings):
    settings.SITE_URL = "https://privacy.example.com"
    Organisation.objects.create(
        name="Melody Streaming Ltd",
        address="1 Example Square\nLondon EC1A 1AA\nUnited Kingdom",
        country="GB",
        phone="+44 20 7946 0000",
        contact_name="Privacy team",
        contact_email="privacy@melody.example",
        dpo_email="dpo@melody.example",
    )
    cache.delete(ORGANISATION_CACHE_KEY)


def test_a_receipt_with_consents_has_every_required_field(customer):
    consent_record(
        purpose=Purpose.objects.get(code="newsletter"), granted=True, context=PAGE, actor=customer, subject=customer
    )
    receipt = consent_receipt(customer)
    check_receipt(receipt)
    assert receipt["collectionMethod"] == "Your Account privacy choices page"
    [controller] = receipt["piiControllers"]
    assert (controller["contact"], controller["phone"]) == ("Privacy team", "+44 20 7946 0000")
    assert controller["address"] == {
        "streetAddress": "1 Example Square",
        "addressLocality": "London",
        "postalCode": "EC1A 1AA",
        "addressCountry": "GB",
    }
    assert receipt["policyUrl"] == "https://privacy.example.com/privacy-policy/1.0/"  # the seeded version in force


def test_the_receipt_links_the_policy_in_effect_when_consent_was_given_not_the_current_one(customer):
    first = PolicyVersion.objects.get(version="1.0")
    with time_machine.travel(datetime.combine(first.effective_on, time(12), tzinfo=UTC) + timedelta(days=1)):
        consent_record(
            purpose=Purpose.objects.get(code="newsletter"), granted=True, context=PAGE, actor=customer, subject=customer
        )
    PolicyVersion.objects.create(
        version="2.0",
        effective_on=first.effective_on + timedelta(days=10),
        material_change=True,
        summary_en="Order history kept longer.",
        body_en="The second policy.",
    )
    with time_machine.travel(datetime.combine(first.effective_on, time(12), tzinfo=UTC) + timedelta(days=20)):
        assert current_policy().version == "2.0"
        receipt = consent_receipt(customer)
    check_receipt(receipt)
    assert receipt["policyUrl"] == "https://privacy.example.com/privacy-policy/1.0/"


def test_a_receipt_without_consents_still_says_how_and_when_nothing_was_agreed():
    joined = datetime(2025, 3, 1, 12, tzinfo=UTC)
    with time_machine.travel(joined, tick=False):
        quiet = UserFactory(country="GB")
    with time_machine.travel(joined + timedelta(days=30)):
        receipt = consent_receipt(quiet)
    check_receipt(receipt)
    assert receipt["services"][0]["purposes"] == []
    assert receipt["consentTimestamp"] == int(joined.timestamp())  # not the time it was generated
    assert receipt["collectionMethod"].startswith("no optional purpose agreed to")
    # After a withdrawal, the last choice is what the receipt dates.
    newsletter = Purpose.objects.get(code="newsletter")
    withdrawn_at = joined + timedelta(days=10)
    with time_machine.travel(withdrawn_at - timedelta(days=1), tick=False):
        consent_record(purpose=newsletter, granted=True, context=PAGE, actor=quiet, subject=quiet)
    with time_machine.travel(withdrawn_at, tick=False):
        consent_record(purpose=newsletter, granted=False, context=PAGE, actor=quiet, subject=quiet)
    later = consent_receipt(quiet)
    check_receipt(later)
    assert later["consentTimestamp"] == int(withdrawn_at.timestamp())
    assert "Your Account privacy choices page" in later["collectionMethod"]


@pytest.mark.parametrize(("country", "jurisdiction"), [("VN", "VN"), ("US", "US"), ("GB", "GB"), ("", "GB")])
def test_the_receipts_jurisdiction_is_the_subjects(country, jurisdiction):
    # No country on the account: the controller's.
    assert consent_receipt(UserFactory(country=country))["jurisdiction"] == jurisdiction


def test_the_controllers_address_is_split_as_a_postal_address():
    assert postal_address("25 Phố Huế\nHai Bà Trưng, Hà Nội 100000", "VN") == {
        "streetAddress": "25 Phố Huế",
        "addressLocality": "Hai Bà Trưng, Hà Nội",
        "postalCode": "100000",
        "addressCountry": "VN",
    }
