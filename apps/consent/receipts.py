"""Consent receipts: a subject's current consents as JSON with the Kantara Initiative's
Consent Receipt (v1.1) fields, for officers to hand over as proof and for the data export.

A receipt is built from the ledger and the derived state at the time it is asked for; its id
is derived from the events it covers, so the same evidence always gives the same receipt id.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.selectors import organisation_get
from apps.consent.models import ConsentEvent, ConsentState, Purpose
from apps.personal_data.domain import subject_reference

RECEIPT_VERSION = "KI-CR-v1.1.0"
COLLECTION_METHODS = {
    ConsentEvent.Method.SIGNUP: "web form at sign-up",
    ConsentEvent.Method.ACCOUNT_PAGE: "Your Account privacy choices page",
    ConsentEvent.Method.COOKIE_BANNER: "cookie banner",
    ConsentEvent.Method.COOKIE_SETTINGS: "cookie settings page",
    ConsentEvent.Method.CARRIED_AT_SIGN_IN: "choice made before sign-in, carried to the account",
    ConsentEvent.Method.OFFICER: "recorded by a privacy officer on the subject's behalf",
    ConsentEvent.Method.IMPORT: "imported from an earlier system",
    ConsentEvent.Method.REQUEST: "data-subject request",
}


def _purpose_entry(purpose: Purpose, state: ConsentState) -> dict:
    event = state.last_event
    return {
        "purpose": purpose.description("en"),
        "purposeCategory": [purpose.code],
        "consentType": "EXPLICIT",
        "piiCategory": ["email address", "name"] if purpose.channel == Purpose.Channel.EMAIL else ["contact details"],
        "primaryPurpose": False,
        "termination": "until withdrawn on Your Account > Privacy choices or through any unsubscribe link",
        "thirdPartyDisclosure": purpose.partner_id is not None,
        "thirdPartyName": purpose.partner.name if purpose.partner_id else "",
        # Beyond the standard fields: the evidence behind this consent.
        "grantedAt": event.recorded_at.isoformat(),
        "method": event.method,
        "policyVersion": event.policy_version.version if event.policy_version_id else "",
        "language": event.language,
        "shownTextSha256": event.text_hash,
        "ledgerEvent": str(event.reference),
    }


def consent_receipt(subject: User) -> dict:
    """The subject's consents in force now, as a consent receipt."""
    states = (
        ConsentState.objects.filter(subject=subject, granted=True, purpose__legal_basis=Purpose.LegalBasis.CONSENT)
        .select_related("purpose__partner", "last_event__policy_version")
        .order_by("purpose__display_order", "purpose__code")
    )
    states = list(states)
    controller = organisation_get()
    evidence = ",".join(str(state.last_event.reference) for state in states)
    receipt_id = uuid.UUID(hashlib.sha256(f"{subject.reference}|{evidence}".encode()).hexdigest()[:32])
    latest = max((state.last_event for state in states), key=lambda e: e.recorded_at, default=None)
    policy_path = reverse("consent:policy_current")
    return {
        "version": RECEIPT_VERSION,
        "jurisdiction": getattr(settings, "CONTROLLER_COUNTRY", ""),
        "consentTimestamp": int((latest.recorded_at if latest else timezone.now()).timestamp()),
        "collectionMethod": COLLECTION_METHODS.get(latest.method, latest.method) if latest else "",
        "consentReceiptID": str(receipt_id),
        "language": subject.preferred_language,
        "piiPrincipalId": subject_reference(subject),
        "piiControllers": [
            {
                "piiController": controller.name if controller else "",
                "onBehalf": False,
                "contact": controller.contact_email if controller else "",
                "address": controller.address if controller else "",
                "email": controller.dpo_email or controller.contact_email if controller else "",
                "phone": "",
            }
        ],
        "policyUrl": policy_path,
        "services": [
            {
                "service": "Privacy Portal customer account",
                "purposes": [_purpose_entry(state.purpose, state) for state in states],
            }
        ],
        "sensitive": False,
        "spiCat": [],
    }
