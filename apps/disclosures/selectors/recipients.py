"""Reads about recipients (P-20): may a subject's data be shared with this partner?"""

from __future__ import annotations

from collections.abc import Callable

from apps.accounts.models import User
from apps.disclosures.models import Recipient
from apps.personal_data.registry import RecipientInfo

# The consent capability answers "has this subject consented to this partner?" (the consent app
# appends its check in ConsentConfig.ready). Until one is installed, no consent can be shown, so
# consent-based sharing with partners is refused.
PARTNER_CONSENT_CHECKS: list[Callable[..., bool]] = []


def partner_consent_given(*, subject: User, recipient: Recipient) -> bool:
    return any(check(subject=subject, recipient=recipient) for check in PARTNER_CONSENT_CHECKS)


def recipients_for_processing() -> list[RecipientInfo]:
    """Every active recipient, processors included, in the active language: what the access
    answer and the records of processing list (registry.register_recipients)."""
    found = []
    for recipient in Recipient.objects.filter(is_active=True).order_by("category", "name"):
        needs_safeguard = recipient.transfer_safeguard != Recipient.Safeguard.NOT_NEEDED
        found.append(
            RecipientInfo(
                name=recipient.name,
                kind=str(recipient.get_category_display()),
                country=str(recipient.country.name),  # type: ignore[attr-defined]
                country_code=str(recipient.country.code),  # type: ignore[attr-defined]
                processor=recipient.category == Recipient.Category.PROCESSOR,
                safeguard=str(recipient.get_transfer_safeguard_display()) if needs_safeguard else "",
                categories=tuple(map(str, recipient.categories_held or ())),
            )
        )
    return found
