"""Cookie consent on every request: no non-essential cookie without consent (P-13).

It reads the signed consent cookie (no query; the categories' fingerprint comes from the
cache), puts a ``CookieConsent`` on ``request.cookie_consent`` for the banner and the views, and
on the way out sets or deletes the non-essential cookies to match it. It also:

- gives a signed-in customer who arrives without a consent cookie the choice stored in their
  account (once per session when there is none);
- honours Global Privacy Control (``Sec-GPC: 1``): marketing cookies stay off, and the opt-out
  is recorded in the ledger once (per session for a customer, per consent cookie for a visitor).

It must run after the session, authentication and CSRF middleware.
"""

from __future__ import annotations

from dataclasses import replace

from apps.consent import cookies
from apps.consent.cookies import CookieConsent


class CookieConsentMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        consent = CookieConsent(
            choice=cookies.read_cookie(request),
            fingerprint=cookies.current_fingerprint(),
            gpc=cookies.has_gpc(request),
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
        cookies.apply_to_response(request, response, request.cookie_consent)
        return response

    @staticmethod
    def _derive_from_account(request, consent: CookieConsent, customer) -> None:
        if request.session.get(cookies.DERIVED_SESSION_KEY) == consent.fingerprint:
            return  # looked already this session: no cookie choices in the account
        choice = cookies.choice_from_account(customer, consent.fingerprint)
        if choice is None:
            request.session[cookies.DERIVED_SESSION_KEY] = consent.fingerprint
        else:
            consent.use(choice, written=False)

    @staticmethod
    def _honour_gpc(request, consent: CookieConsent, customer) -> None:
        from apps.consent.models import ConsentEvent
        from apps.consent.services.ledger import Context

        choice = consent.choice
        if customer is not None:
            if request.session.get(cookies.GPC_SESSION_KEY):
                return
            events = cookies.gpc_record_opt_out(
                purposes=cookies.gpc_purposes_for_customer(),
                context=Context.from_request(request, ConsentEvent.Method.GPC),
                subject=customer,
            )
            request.session[cookies.GPC_SESSION_KEY] = True
            marketing_code = cookies.PURPOSE_FOR_CATEGORY["marketing"]
            if choice is not None and any(e.purpose.code == marketing_code for e in events):
                consent.use(replace(choice, accepted={**choice.accepted, "marketing": False}, gpc=True), written=False)
            return
        if choice is None or choice.gpc:
            return  # no visitor id to record against yet, or recorded already for this cookie
        marketing = cookies.cookie_purposes().get("marketing")
        if marketing is not None:
            cookies.gpc_record_opt_out(
                purposes=[marketing],
                context=Context.from_request(request, ConsentEvent.Method.GPC),
                visitor_id=choice.visitor_id,
            )
        consent.use(replace(choice, accepted={**choice.accepted, "marketing": False}, gpc=True), written=False)
