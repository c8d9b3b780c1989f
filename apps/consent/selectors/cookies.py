"""Reads behind the cookie banner, the cookie settings page and Global Privacy Control (P-13)."""

from __future__ import annotations

from django.core.cache import cache

from apps.accounts.models import User
from apps.consent.domain.cookies import (
    CATEGORY_FOR_PURPOSE,
    CHOICE_CATEGORIES,
    PURPOSE_FOR_CATEGORY,
    CookieChoice,
    fingerprint_of,
    new_visitor_id,
)
from apps.consent.models import ConsentState, Purpose
from apps.consent.selectors.ledger import purposes_to_ask

# The categories' fingerprint and cookie names are read on every request: cache them briefly.
# A change to a cookie category clears the cache at once (apps.consent.signals).
CATALOGUE_CACHE_KEY = "consent:cookie-catalogue"
CATALOGUE_CACHE_SECONDS = 60


def _cookie_purpose_rows() -> list[Purpose]:
    return list(Purpose.objects.filter(kind=Purpose.Kind.COOKIES, is_active=True).order_by("code"))


def categories_fingerprint() -> str:
    """Changes whenever the cookie categories or the cookies listed in them change: ask again."""
    return fingerprint_of(_cookie_purpose_rows())


def catalogue() -> dict:
    """{"fingerprint": ..., "cookies": {category: [cookie names]}}, cached for a minute."""
    cached = cache.get(CATALOGUE_CACHE_KEY)
    if cached is None:
        rows = _cookie_purpose_rows()
        names: dict[str, list[str]] = {}
        for purpose in rows:
            category = CATEGORY_FOR_PURPOSE.get(purpose.code)
            if category is None or not isinstance(purpose.cookies, list):
                continue
            names[category] = [str(c["name"]) for c in purpose.cookies if isinstance(c, dict) and c.get("name")]
        cached = {"fingerprint": fingerprint_of(rows), "cookies": names}
        cache.set(CATALOGUE_CACHE_KEY, cached, CATALOGUE_CACHE_SECONDS)
    return cached


def catalogue_forget() -> None:
    """A cookie category changed: the next request reads the catalogue afresh."""
    cache.delete(CATALOGUE_CACHE_KEY)


def current_fingerprint() -> str:
    return catalogue()["fingerprint"]


def cookie_purposes() -> dict[str, Purpose]:
    """Active cookie categories by category name (necessary included), in display order."""
    rows = Purpose.objects.filter(kind=Purpose.Kind.COOKIES, is_active=True, code__in=CATEGORY_FOR_PURPOSE)
    return {CATEGORY_FOR_PURPOSE[p.code]: p for p in rows.order_by("display_order", "code")}


def choice_from_account(user: User, fingerprint: str) -> CookieChoice | None:
    """A signed-in customer's cookie choice, rebuilt from their ConsentState rows (a new device).

    None when they never chose every category. When a category changed after they chose, the
    rebuilt choice keeps their answers but an old fingerprint, so the banner asks again.
    """
    purposes = list(Purpose.objects.filter(kind=Purpose.Kind.COOKIES).only("pk", "code", "is_active", "updated_at"))
    asked = {
        p.pk: CATEGORY_FOR_PURPOSE[p.code]
        for p in purposes
        if p.is_active and CATEGORY_FOR_PURPOSE.get(p.code) in CHOICE_CATEGORIES
    }
    answered = {asked[s.purpose_id]: s for s in ConsentState.objects.filter(subject=user, purpose_id__in=asked)}
    if not asked or set(answered) != set(asked.values()):
        return None
    oldest_answer = min(s.changed_at for s in answered.values())
    last_change = max(p.updated_at for p in purposes)
    return CookieChoice(
        visitor_id=new_visitor_id(),
        fingerprint=fingerprint if last_change <= oldest_answer else "",
        accepted={c: bool(answered[c].granted) if c in answered else False for c in CHOICE_CATEGORIES},
    )


def gpc_purposes_for_customer() -> list[Purpose]:
    """What GPC opts a signed-in customer out of: marketing cookies and sharing with partners."""
    partners = list(purposes_to_ask().filter(partner__isnull=False))
    marketing = Purpose.objects.filter(code=PURPOSE_FOR_CATEGORY["marketing"], is_active=True).first()
    return [marketing, *partners] if marketing is not None else partners
