"""The consent cookie: which cookie categories a visitor accepted, and their consent-cookie id.

It is strictly necessary (it remembers a refusal, too) and signed, so a forged cookie reads as
"no choice made". The ledger, not the cookie, is the record; the cookie lets every request know
the choice without a query.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field

from django.core import signing

COOKIE_NAME = "pp_consent"
COOKIE_MAX_AGE = 180 * 24 * 3600  # ask again after six months
_SALT = "consent.cookie"

# Categories a visitor chooses; "necessary" is always on and never asked.
CHOICE_CATEGORIES = ("preferences", "statistics", "marketing")
PURPOSE_FOR_CATEGORY = {
    "necessary": "cookies-necessary",
    "preferences": "cookies-preferences",
    "statistics": "cookies-statistics",
    "marketing": "cookies-marketing",
}


def new_visitor_id() -> str:
    return secrets.token_hex(16)


def categories_fingerprint() -> str:
    """Changes whenever the cookie categories or the cookies listed in them change: ask again."""
    from apps.consent.models import Purpose

    rows = Purpose.objects.filter(kind=Purpose.Kind.COOKIES, is_active=True).order_by("code")
    described = [(p.code, p.legal_basis, p.cookies) for p in rows]
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CookieChoice:
    visitor_id: str
    fingerprint: str
    accepted: dict[str, bool] = field(default_factory=dict)

    def allows(self, category: str) -> bool:
        return category == "necessary" or bool(self.accepted.get(category))

    def encode(self) -> str:
        payload = {"v": self.visitor_id, "h": self.fingerprint, "c": self.accepted}
        return signing.dumps(payload, salt=_SALT, compress=True)


def read_cookie(request) -> CookieChoice | None:
    raw = request.COOKIES.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        payload = signing.loads(raw, salt=_SALT, max_age=COOKIE_MAX_AGE)
        accepted = {c: bool(payload["c"].get(c)) for c in CHOICE_CATEGORIES}
        return CookieChoice(visitor_id=str(payload["v"])[:64], fingerprint=str(payload["h"])[:64], accepted=accepted)
    except (signing.BadSignature, KeyError, TypeError, AttributeError, ValueError):
        return None


def visitor_id_from_request(request) -> str:
    choice = read_cookie(request)
    return choice.visitor_id if choice else ""
