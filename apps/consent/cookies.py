"""The consent cookie: which cookie categories a visitor accepted, and their consent-cookie id.

It is strictly necessary (it remembers a refusal, too) and signed, so a forged cookie reads as
"no choice made". The ledger, not the cookie, is the record; the cookie lets every request know
the choice without a query.

Besides reading and writing that cookie, this module holds the few writes behind the cookie
pages (a banner or settings choice, a Global Privacy Control opt-out). They record through
``consent_set_choices`` / ``consent_record`` only, so the ledger and derived state stay the one truth.
Who depends on it: the middleware (every request), the cookie views, and the sign-in signal.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

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
_NOTICE_KEY = re.compile(r"^[a-z0-9-]{1,40}$")

# The categories' fingerprint and cookie names are read on every request: cache them briefly.
# A change to a cookie category clears the cache at once (receivers below).
CATALOGUE_CACHE_KEY = "consent:cookie-catalogue"
CATALOGUE_CACHE_SECONDS = 60

# Global Privacy Control: the date our support (and /.well-known/gpc.json) last changed.
GPC_LAST_UPDATE = "2026-11-23"
# A signed-in customer's GPC opt-out is recorded at most once per session.
GPC_SESSION_KEY = "consent_gpc_checked"
# A signed-in customer without a consent cookie and without cookie choices is looked up once
# per session (and per fingerprint), not on every request.
DERIVED_SESSION_KEY = "consent_cookie_checked"


def new_visitor_id() -> str:
    return secrets.token_hex(16)


def _fingerprint(rows) -> str:
    described = [(p.code, p.legal_basis, p.cookies) for p in rows]
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _cookie_purpose_rows():
    from apps.consent.models import Purpose

    return list(Purpose.objects.filter(kind=Purpose.Kind.COOKIES, is_active=True).order_by("code"))


def categories_fingerprint() -> str:
    """Changes whenever the cookie categories or the cookies listed in them change: ask again."""
    return _fingerprint(_cookie_purpose_rows())


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
        cached = {"fingerprint": _fingerprint(rows), "cookies": names}
        cache.set(CATALOGUE_CACHE_KEY, cached, CATALOGUE_CACHE_SECONDS)
    return cached


def current_fingerprint() -> str:
    return catalogue()["fingerprint"]


@receiver(post_save, sender="consent.Purpose", dispatch_uid="consent.cookies.catalogue_saved")
@receiver(post_delete, sender="consent.Purpose", dispatch_uid="consent.cookies.catalogue_deleted")
def _forget_catalogue(sender, instance, **kwargs) -> None:
    if instance.kind == "cookies":
        cache.delete(CATALOGUE_CACHE_KEY)


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
        return signing.dumps(payload, salt=_SALT, compress=True)


def read_cookie(request) -> CookieChoice | None:
    raw = request.COOKIES.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        payload = signing.loads(raw, salt=_SALT, max_age=COOKIE_MAX_AGE)
        accepted = {c: bool(payload["c"].get(c)) for c in CHOICE_CATEGORIES}
        visitor_id = str(payload["v"])[:64]
        if not visitor_id:
            return None
        return CookieChoice(
            visitor_id=visitor_id,
            fingerprint=str(payload["h"])[:64],
            accepted=accepted,
            gpc=bool(payload.get("g")),
        )
    except (signing.BadSignature, KeyError, TypeError, AttributeError, ValueError):
        return None


def visitor_id_from_request(request) -> str:
    choice = read_cookie(request)
    return choice.visitor_id if choice else ""


def has_gpc(request) -> bool:
    """The browser sends Global Privacy Control (``Sec-GPC: 1``)."""
    return request.headers.get("Sec-GPC", "").strip() == "1"


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


def consent_for(request) -> CookieConsent:
    """The request's cookie consent (the middleware's, or read now where it did not run)."""
    consent = getattr(request, "cookie_consent", None)
    if consent is None:
        consent = CookieConsent(choice=read_cookie(request), fingerprint=current_fingerprint(), gpc=has_gpc(request))
        request.cookie_consent = consent
    return consent


# --- Writing cookies -------------------------------------------------------------


def _set(response, request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, samesite="Lax", secure=request.is_secure(), httponly=True, path="/"
    )


def write_cookie(response, request, choice: CookieChoice) -> None:
    """Put the signed consent cookie on ``response``."""
    _set(response, request, COOKIE_NAME, choice.encode(), COOKIE_MAX_AGE)


def remember_choice(request, response, choice: CookieChoice) -> None:
    """Write the new choice and let the rest of this request (the middleware) act on it."""
    write_cookie(response, request, choice)
    consent_for(request).use(choice, written=True)


def campaign_value(raw: str | None) -> str:
    """A utm_campaign value reduced to letters, digits, dot, dash and underscore (at most 64)."""
    return _CAMPAIGN_ALLOWED.sub("", raw or "")[:64]


def remember_dismissed(request, response, notice: str) -> bool:
    """Remember a dismissed notice in pp_dismissed, only if preference cookies are accepted.

    Returns whether it was remembered; without consent the notice simply shows again next time.
    """
    if not _NOTICE_KEY.match(notice) or not consent_for(request).allows("preferences"):
        return False
    keys = [k for k in request.COOKIES.get(DISMISSED_COOKIE, "").split(".") if _NOTICE_KEY.match(k)]
    if notice not in keys:
        keys.append(notice)
    _set(response, request, DISMISSED_COOKIE, ".".join(keys[-20:]), DISMISSED_MAX_AGE)
    return True


def apply_to_response(request, response, consent: CookieConsent) -> None:
    """Set, keep or delete the non-essential cookies so that they match the consent.

    Runs on every response: a cookie of a category not accepted (now, or any more) is removed
    from the response and deleted from the browser, whoever tried to set it.
    """
    if consent.pending_write and consent.choice is not None and COOKIE_NAME not in response.cookies:
        write_cookie(response, request, consent.choice)
    listed = catalogue()["cookies"]
    essential = {COOKIE_NAME, *listed.get("necessary", ())}
    for category in CHOICE_CATEGORIES:
        if consent.allows(category):
            continue
        for name in {*OWN_COOKIES[category], *listed.get(category, ())} - essential:
            morsel = response.cookies.get(name)
            if morsel is not None and str(morsel["max-age"]) != "0":
                del response.cookies[name]
            if name in request.COOKIES and name not in response.cookies:
                response.delete_cookie(name, path="/", samesite="Lax")
    # Visits are counted on pages people see, not on redirects, JSON or files.
    if request.method != "GET" or not response.get("Content-Type", "").startswith("text/html"):
        return
    if consent.allows("statistics") and ANALYTICS_COOKIE not in request.COOKIES:
        _set(response, request, ANALYTICS_COOKIE, secrets.token_hex(16), ANALYTICS_MAX_AGE)
    if consent.allows("marketing"):
        campaign = campaign_value(request.GET.get("utm_campaign"))
        if campaign:
            _set(response, request, CAMPAIGN_COOKIE, campaign, CAMPAIGN_MAX_AGE)


# --- Reads and writes behind the cookie pages ------------------------------------------


def cookie_purposes() -> dict:
    """Active cookie categories by category name (necessary included), in display order."""
    from apps.consent.models import Purpose

    rows = Purpose.objects.filter(kind=Purpose.Kind.COOKIES, is_active=True, code__in=CATEGORY_FOR_PURPOSE)
    return {CATEGORY_FOR_PURPOSE[p.code]: p for p in rows.order_by("display_order", "code")}


def choice_from_account(user, fingerprint: str) -> CookieChoice | None:
    """A signed-in customer's cookie choice, rebuilt from their ConsentState rows (a new device).

    None when they never chose every category. When a category changed after they chose, the
    rebuilt choice keeps their answers but an old fingerprint, so the banner asks again.
    """
    from apps.consent.models import ConsentState, Purpose

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


def _owner(subject, visitor_id: str) -> dict:
    return {"subject": subject} if subject is not None else {"visitor_id": visitor_id}


@transaction.atomic
def gpc_record_opt_out(*, purposes, context, subject=None, visitor_id: str = "") -> list:
    """Record Global Privacy Control as a refusal of each purpose that is on or unanswered.

    A purpose the person switched on again after an earlier GPC refusal is left alone: their
    explicit choice overrides the browser's signal ("overridden" on the Privacy choices page).
    """
    from apps.consent.models import ConsentEvent
    from apps.consent.selectors.ledger import states_for
    from apps.consent.services.ledger import consent_record

    purposes = [p for p in purposes if p.is_active]
    if not purposes:
        return []
    states = states_for(**_owner(subject, visitor_id))
    earlier = ConsentEvent.objects.filter(method=ConsentEvent.Method.GPC, purpose__in=purposes)
    earlier = earlier.filter(subject=subject) if subject is not None else earlier.filter(visitor_id=visitor_id)
    refused_before = set(earlier.values_list("purpose_id", flat=True))
    events = []
    for purpose in purposes:
        state = states.get(purpose.pk)
        if state is not None and (not state.granted or purpose.pk in refused_before):
            continue
        events.append(
            consent_record(
                purpose=purpose, granted=False, context=context, actor=subject, **_owner(subject, visitor_id)
            )
        )
    return events


def gpc_purposes_for_customer() -> list:
    """What GPC opts a signed-in customer out of: marketing cookies and sharing with partners."""
    from apps.consent.models import Purpose
    from apps.consent.selectors.ledger import purposes_to_ask

    partners = list(purposes_to_ask().filter(partner__isnull=False))
    marketing = Purpose.objects.filter(code=PURPOSE_FOR_CATEGORY["marketing"], is_active=True).first()
    return [marketing, *partners] if marketing is not None else partners


def cookie_choice_save(*, request, accepted: dict[str, bool], method: str, source_page: str = "") -> CookieChoice:
    """Record a cookie choice from the banner or the settings page; returns the cookie to write.

    Against the account when signed in, else against the consent-cookie visitor id (a new one
    if there is none yet). The banner, a first choice and a choice after the categories changed
    record every category (each is the proof of what was agreed to); a later save on the
    settings page records only what changed. With Global Privacy Control, marketing stays off
    and is recorded as a GPC refusal, whatever was clicked.
    """
    from apps.consent.models import ConsentEvent
    from apps.consent.selectors.ledger import states_for
    from apps.consent.services.ledger import Context, consent_set_choices

    consent = consent_for(request)
    previous = consent.choice
    visitor_id = previous.visitor_id if previous else new_visitor_id()
    user = getattr(request, "user", None)
    subject = user if user is not None and user.is_authenticated else None
    gpc = has_gpc(request)
    purposes = cookie_purposes()
    wanted = {c: bool(accepted.get(c)) and c in purposes and not (gpc and c == "marketing") for c in CHOICE_CATEGORIES}
    chosen = {purposes[c]: wanted[c] for c in CHOICE_CATEGORIES if c in purposes and not (gpc and c == "marketing")}
    context = Context.from_request(request, method)
    if source_page:
        context = replace(context, source_page=source_page[:300])
    owner = _owner(subject, visitor_id)
    ask_all = method == ConsentEvent.Method.COOKIE_BANNER or consent.needs_asking
    with transaction.atomic():
        if ask_all:
            consent_set_choices(choices=chosen, context=context, actor=subject, record_unchanged=True, **owner)
        else:
            answered = states_for(**owner)
            first = {p: g for p, g in chosen.items() if p.pk not in answered}
            again = {p: g for p, g in chosen.items() if p.pk in answered}
            consent_set_choices(choices=first, context=context, actor=subject, record_unchanged=True, **owner)
            consent_set_choices(choices=again, context=context, actor=subject, **owner)
        if gpc and "marketing" in purposes:
            gpc_context = replace(context, method=ConsentEvent.Method.GPC)
            gpc_record_opt_out(purposes=[purposes["marketing"]], context=gpc_context, **owner)
    return CookieChoice(visitor_id=visitor_id, fingerprint=consent.fingerprint, accepted=wanted, gpc=gpc)
