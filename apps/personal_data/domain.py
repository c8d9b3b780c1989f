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
