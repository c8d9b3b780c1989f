"""The consent cookie's rules: which cookie categories a visitor accepted, and their consent-cookie id.

The cookie is strictly necessary (it remembers a refusal, too) and signed, so a forged cookie
reads as "no choice made". The ledger, not the cookie, is the record; the cookie lets every
request know the choice without a query.

Here: the names and lifetimes of the site's cookies, the categories, the signed value
(``CookieChoice``) and what a request may do with it (``CookieConsent``). Reading the cookie off a
request and setting cookies on a response is ``apps.consent.middleware``; the cached catalogue
of categories is ``apps.consent.selectors.cookies``; recording a choice is
``apps.consent.services.cookies``.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core import signing

COOKIE_NAME = "pp_consent"
COOKIE_MAX_AGE = 180 * 24 * 3600  # ask again after six months
COOKIE_SALT = "consent.cookie"

# Categories a visitor chooses; "necessary" is always on and never asked.
CHOICE_CATEGORIES = ("preferences", "statistics", "marketing")
PURPOSE_FOR_CATEGORY = {
    "necessary": "cookies-necessary",
    "preferences": "cookies-preferences",
    "statistics": "cookies-statistics",
    "marketing": "cookies-marketing",
}
CATEGORY_FOR_PURPOSE = {code: category for category, code in PURPOSE_FOR_CATEGORY.items()}

# The site's own non-essential cookies, each set only while its category is accepted.
ANALYTICS_COOKIE = "pp_analytics"
ANALYTICS_MAX_AGE = int(timedelta(days=365).total_seconds())
CAMPAIGN_COOKIE = "pp_campaign"
CAMPAIGN_MAX_AGE = int(timedelta(days=30).total_seconds())
DISMISSED_COOKIE = "pp_dismissed"
DISMISSED_MAX_AGE = int(timedelta(days=365).total_seconds())
OWN_COOKIES = {"preferences": (DISMISSED_COOKIE,), "statistics": (ANALYTICS_COOKIE,), "marketing": (CAMPAIGN_COOKIE,)}
_CAMPAIGN_ALLOWED = re.compile(r"[^A-Za-z0-9._-]")
NOTICE_KEY = re.compile(r"^[a-z0-9-]{1,40}$")

# Global Privacy Control: the date our support (and /.well-known/gpc.json) last changed.
GPC_LAST_UPDATE = "2026-11-23"


def new_visitor_id() -> str:
    return secrets.token_hex(16)


def fingerprint_of(rows: Iterable[Any]) -> str:
    """Of the cookie categories (Purpose rows): changes whenever a category or its cookies change."""
    described = [(p.code, p.legal_basis, p.cookies) for p in rows]
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode()).hexdigest()[:16]


def campaign_value(raw: str | None) -> str:
    """A utm_campaign value reduced to letters, digits, dot, dash and underscore (at most 64)."""
    return _CAMPAIGN_ALLOWED.sub("", raw or "")[:64]


@dataclass(frozen=True)
class CookieChoice:
    visitor_id: str
    fingerprint: str
    accepted: dict[str, bool] = field(default_factory=dict)
    # The visitor's Global Privacy Control opt-out was already recorded for this choice.
    gpc: bool = False

    def allows(self, category: str) -> bool:
        return category == "necessary" or bool(self.accepted.get(category))

    def encode(self) -> str:
        payload: dict = {"v": self.visitor_id, "h": self.fingerprint, "c": self.accepted}
        if self.gpc:
            payload["g"] = 1
        return signing.dumps(payload, salt=COOKIE_SALT, compress=True)

    @classmethod
    def decode(cls, raw: str | None) -> CookieChoice | None:
        """The choice in a consent cookie's value; None for no value, or a forged, expired or malformed one."""
        if not raw:
            return None
        try:
            payload = signing.loads(raw, salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE)
            accepted = {c: bool(payload["c"].get(c)) for c in CHOICE_CATEGORIES}
            visitor_id = str(payload["v"])[:64]
            if not visitor_id:
                return None
            return cls(
                visitor_id=visitor_id,
                fingerprint=str(payload["h"])[:64],
                accepted=accepted,
                gpc=bool(payload.get("g")),
            )
        except (signing.BadSignature, KeyError, TypeError, AttributeError, ValueError):
            return None


@dataclass
class CookieConsent:
    """What this request may do with cookies; the middleware puts one on ``request.cookie_consent``.

    The banner template reads ``needs_asking``; the middleware reads ``allows`` when it sets or
    deletes the non-essential cookies, after the view had its say (a new choice replaces ``choice``).
    """

    choice: CookieChoice | None
    fingerprint: str
    gpc: bool = False
    pending_write: bool = False

    @property
    def needs_asking(self) -> bool:
        """No choice yet, or the categories changed since it was made (the banner shows)."""
        return self.choice is None or self.choice.fingerprint != self.fingerprint

    def allows(self, category: str) -> bool:
        if category == "necessary":
            return True
        if self.choice is None or self.needs_asking:
            return False
        if category == "marketing" and self.gpc:
            return False
        return self.choice.allows(category)

    def use(self, choice: CookieChoice, *, written: bool) -> None:
        self.choice = choice
        self.pending_write = not written
