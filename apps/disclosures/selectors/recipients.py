"""Reads about recipients (P-20): may a subject's data be shared with this partner?"""

from __future__ import annotations

from collections.abc import Callable

from apps.accounts.models import User
from apps.disclosures.models import Recipient

# The consent capability answers "has this subject consented to this partner?" (the consent app
# appends its check in ConsentConfig.ready). Until one is installed, no consent can be shown, so
# consent-based sharing with partners is refused.
PARTNER_CONSENT_CHECKS: list[Callable[..., bool]] = []


def partner_consent_given(*, subject: User, recipient: Recipient) -> bool:
    return any(check(subject=subject, recipient=recipient) for check in PARTNER_CONSENT_CHECKS)
