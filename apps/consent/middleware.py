"""Cookie consent on every request: no non-essential cookie without consent (P-13).

It reads the signed consent cookie (no query; the categories' fingerprint comes from the
cache), puts a ``CookieConsent`` on ``request.cookie_consent`` for the banner and the views, and
on the way out sets or deletes the non-essential cookies to match it. It also:

- gives a signed-in customer who arrives without a consent cookie the choice stored in their
  account (once per session when there is none);
- honours Global Privacy Control (``Sec-GPC: 1``): marketing cookies stay off, and the opt-out
  is recorded in the ledger once (per session for a customer, per consent cookie for a visitor).

It must run after the session, authentication and CSRF middleware.

Below the middleware: the request and response side of the consent cookie (reading it off a
request, writing it and the site's own cookies on a response), used by the cookie views and the
sign-in signal too. The rules of the cookie are ``apps.consent.domain.cookies``.
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from apps.consent.domain.cookies import (
    ANALYTICS_COOKIE,
    ANALYTICS_MAX_AGE,
    CAMPAIGN_COOKIE,
    CAMPAIGN_MAX_AGE,
    CHOICE_CATEGORIES,
    COOKIE_MAX_AGE,
    COOKIE_NAME,
    DISMISSED_COOKIE,
    DISMISSED_MAX_AGE,
    NOTICE_KEY,
    OWN_COOKIES,
    PURPOSE_FOR_CATEGORY,
    CookieChoice,
    CookieConsent,
    campaign_value,
)
from apps.consent.models import ConsentEvent
from apps.consent.selectors.cookies import (
    catalogue,
    choice_from_account,
    cookie_purposes,
    current_fingerprint,
    gpc_purposes_for_customer,
)
from apps.consent.services.cookies import gpc_record_opt_out
from apps.consent.services.ledger import Context

# A signed-in customer's GPC opt-out is recorded at most once per session.
GPC_SESSION_KEY = "consent_gpc_checked"
# A signed-in customer without a consent cookie and without cookie choices is looked up once
# per session (and per fingerprint), not on every request.
DERIVED_SESSION_KEY = "consent_cookie_checked"


class CookieConsentMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        consent = CookieConsent(
            choice=read_cookie(request),
            fingerprint=current_fingerprint(),
            gpc=has_gpc(request),
        )
        request.cookie_consent = consent
        if consent.choice is None or consent.gpc:
            user = getattr(request, "user", None)
            customer = user if user is not None and user.is_authenticated else None
            if consent.choice is None and customer is not None:
                self._derive_from_account(request, consent, customer)
            if consent.gpc:
                self._honour_gpc(request, consent, customer)
        response = self.get_response(request)
        apply_to_response(request, response, request.cookie_consent)
        return response

    @staticmethod
    def _derive_from_account(request, consent: CookieConsent, customer) -> None:
        if request.session.get(DERIVED_SESSION_KEY) == consent.fingerprint:
            return  # looked already this session: no cookie choices in the account
        choice = choice_from_account(customer, consent.fingerprint)
        if choice is None:
            request.session[DERIVED_SESSION_KEY] = consent.fingerprint
        else:
            consent.use(choice, written=False)

    @staticmethod
    def _honour_gpc(request, consent: CookieConsent, customer) -> None:
        choice = consent.choice
        if customer is not None:
            if request.session.get(GPC_SESSION_KEY):
                return
            events = gpc_record_opt_out(
                purposes=gpc_purposes_for_customer(),
                context=Context.from_request(request, ConsentEvent.Method.GPC),
                subject=customer,
            )
            request.session[GPC_SESSION_KEY] = True
            marketing_code = PURPOSE_FOR_CATEGORY["marketing"]
            if choice is not None and any(e.purpose.code == marketing_code for e in events):
                consent.use(replace(choice, accepted={**choice.accepted, "marketing": False}, gpc=True), written=False)
            return
        if choice is None or choice.gpc:
            return  # no visitor id to record against yet, or recorded already for this cookie
        marketing = cookie_purposes().get("marketing")
        if marketing is not None:
            gpc_record_opt_out(
                purposes=[marketing],
                context=Context.from_request(request, ConsentEvent.Method.GPC),
                visitor_id=choice.visitor_id,
            )
        consent.use(replace(choice, accepted={**choice.accepted, "marketing": False}, gpc=True), written=False)


# --- Reading the request ---------------------------------------------------------------------


def read_cookie(request) -> CookieChoice | None:
    return CookieChoice.decode(request.COOKIES.get(COOKIE_NAME))


def visitor_id_from_request(request) -> str:
    choice = read_cookie(request)
    return choice.visitor_id if choice else ""


def has_gpc(request) -> bool:
    """The browser sends Global Privacy Control (``Sec-GPC: 1``)."""
    return request.headers.get("Sec-GPC", "").strip() == "1"


def consent_for(request) -> CookieConsent:
    """The request's cookie consent (the middleware's, or read now where it did not run)."""
    consent = getattr(request, "cookie_consent", None)
    if consent is None:
        consent = CookieConsent(choice=read_cookie(request), fingerprint=current_fingerprint(), gpc=has_gpc(request))
        request.cookie_consent = consent
    return consent


# --- Writing cookies on the response ---------------------------------------------------------


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


def remember_dismissed(request, response, notice: str) -> bool:
    """Remember a dismissed notice in pp_dismissed, only if preference cookies are accepted.

    Returns whether it was remembered; without consent the notice simply shows again next time.
    """
    if not NOTICE_KEY.match(notice) or not consent_for(request).allows("preferences"):
        return False
    keys = [k for k in request.COOKIES.get(DISMISSED_COOKIE, "").split(".") if NOTICE_KEY.match(k)]
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
