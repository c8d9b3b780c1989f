"""The personal-data rules in plain Python: keyed hashes that stand in for a person where a
record must outlive their identity.

Ledgers (consent events, disclosures), erasure certificates and suppression lists hold
these instead of an id or an address. PSEUDONYM_KEY is separate from SECRET_KEY so that
rotating the session secret does not sever old ledger rows from new ones.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def _keyed(kind: str, value: str) -> str:
    key = settings.PSEUDONYM_KEY.encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def subject_reference(user) -> str:
    """The pseudonymous reference of an account (stable for the account's lifetime)."""
    return _keyed("subject", str(user.reference))


def address_hash(email: str) -> str:
    """A keyed hash of an email address, compared case-insensitively."""
    return _keyed("email", email.strip().lower())


# The European Economic Area: the EU's member states with Iceland, Liechtenstein and Norway.
# Within it personal data moves as within one country (GDPR Art. 1(3), the EEA Agreement); the
# UK's adequacy regulations (DPA 2018 s.17A, Sch. 21 para. 5) cover every EEA state too.
# fmt: off
EEA = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",  # the EU's 27
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    "IS", "LI", "NO",
})
# fmt: on


def third_country_transfer(home: str, country: str) -> bool:
    """Whether personal data sent by a controller in ``home`` to ``country`` leaves its zone:
    another country, the EEA counting as one for a controller in it."""
    return country != home and not (home in EEA and country in EEA)
