"""Global Privacy Control (Sec-GPC: 1): an opt-out of marketing cookies and of sharing with partners."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory

from apps.consent.domain import cookies
from apps.consent.middleware import read_cookie
from apps.consent.models import ConsentEvent, ConsentState, Purpose
from apps.consent.services.ledger import Context, consent_record
from apps.disclosures.models import Recipient
from tests.disclosures.factories import RecipientFactory
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

Method = ConsentEvent.Method
GPC = {"HTTP_SEC_GPC": "1"}


def _partner_purpose(code: str = "partner-acme", **fields) -> Purpose:
    recipient = RecipientFactory(name="Acme Offers Ltd", category=Recipient.Category.MARKETING_PARTNER)
    values = {
        "kind": Purpose.Kind.PROCESSING,
        "legal_basis": Purpose.LegalBasis.CONSENT,
        "name_en": "Offers from Acme",
        "name_vi": "Ưu đãi từ Acme",
        "description_en": "We share your email address with Acme so they can send you offers.",
        "description_vi": "Chúng tôi chia sẻ địa chỉ email của bạn với Acme để họ gửi ưu đãi.",
        "partner": recipient,
        **fields,
    }
    return Purpose.objects.create(code=code, **values)


def _marketing_cookies() -> Purpose:
    return Purpose.objects.get(code="cookies-marketing")


def _switch(customer, purpose: Purpose, granted: bool, method: str = Method.ACCOUNT_PAGE) -> None:
    consent_record(purpose=purpose, granted=granted, context=Context(method=method), actor=customer, subject=customer)


def _read(client: Client) -> cookies.CookieChoice | None:
    morsel = client.cookies.get(cookies.COOKIE_NAME)
    if morsel is None or not morsel.value:
        return None
    request = RequestFactory().get("/")
    request.COOKIES[cookies.COOKIE_NAME] = morsel.value
    return read_cookie(request)


def _gpc_events(**owner):
    return ConsentEvent.objects.filter(method=Method.GPC, **owner)


# --- Signed-in customers ---------------------------------------------------------------


def test_it_records_gpc_for_a_customer_once_per_session(client_as, customer):
    partner = _partner_purpose()
    _switch(customer, partner, True)
    not_by_consent = _partner_purpose("partner-li", legal_basis=Purpose.LegalBasis.LEGITIMATE_INTEREST)
    inactive = _partner_purpose("partner-old", is_active=False)
    client = client_as("customer")

    client.get("/", **GPC)
    events = _gpc_events(subject=customer)
    assert {(e.purpose.code, e.granted) for e in events} == {(partner.code, False), ("cookies-marketing", False)}
    assert all(e.actor_id == customer.pk and e.visitor_id == "" for e in events)
    assert not ConsentState.objects.get(subject=customer, purpose=partner).granted
    assert not _gpc_events(purpose__in=[not_by_consent, inactive]).exists()

    # At most once per session: the next requests record nothing and look nothing up.
    client.get("/", **GPC)
    client.get("/cookies/", **GPC)
    assert _gpc_events(subject=customer).count() == 2


def test_it_leaves_what_a_customer_already_refused(client_as, customer):
    partner = _partner_purpose()
    _switch(customer, partner, False)
    _switch(customer, _marketing_cookies(), False, Method.COOKIE_SETTINGS)
    client_as("customer").get("/", **GPC)
    assert not _gpc_events(subject=customer).exists()


def test_it_does_nothing_without_the_header(client_as, customer):
    partner = _partner_purpose()
    _switch(customer, partner, True)
    client_as("customer").get("/")
    client_as("customer").get("/", HTTP_SEC_GPC="0")
    assert not _gpc_events().exists()
    assert ConsentState.objects.get(subject=customer, purpose=partner).granted


def test_an_override_after_gpc_stays_overridden(client_as, customer):
    partner = _partner_purpose()
    _switch(customer, partner, True)
    client_as("customer").get("/", **GPC)
    assert _gpc_events(subject=customer, purpose=partner).count() == 1

    # The customer switches the partner back on, explicitly, after the GPC refusal.
    _switch(customer, partner, True)
    for _session in range(2):
        client = client_as("customer")  # a new session: the GPC check runs again
        client.get("/", **GPC)
    assert _gpc_events(subject=customer, purpose=partner).count() == 1
    state = ConsentState.objects.get(subject=customer, purpose=partner)
    assert state.granted
    assert state.method == Method.ACCOUNT_PAGE
    page = client.get("/account/privacy-choices/").content.decode()
    assert "Global Privacy Control overridden by your choice" in page


def test_the_privacy_choices_page_says_gpc_was_honoured(client_as, customer):
    partner = _partner_purpose()
    client = client_as("customer")
    client.get("/", **GPC)  # unanswered counts as "not refused yet"
    assert _gpc_events(subject=customer, purpose=partner).exists()
    assert "Global Privacy Control honoured" in client.get("/account/privacy-choices/").content.decode()


def test_it_turns_marketing_off_in_a_customers_consent_cookie(client_as, customer):
    client = client_as("customer")
    client.post("/cookies/choose/", {"choice": "accept"})
    assert _read(client).accepted["marketing"]
    response = client.get("/?utm_campaign=spring", **GPC)
    assert cookies.CAMPAIGN_COOKIE not in response.cookies
    choice = _read(client)
    assert not choice.accepted["marketing"]
    assert choice.accepted["statistics"]
    assert not ConsentState.objects.get(subject=customer, purpose=_marketing_cookies()).granted


# --- Anonymous visitors -------------------------------------------------------------------


def test_it_treats_marketing_cookies_as_refused_for_a_visitor(client):
    response = client.get("/?utm_campaign=spring", **GPC)
    assert cookies.CAMPAIGN_COOKIE not in response.cookies
    assert not ConsentEvent.objects.exists()  # no consent cookie, no visitor id: nothing to record against
    assert "Your browser sends Global Privacy Control" in response.content.decode()

    client.post("/cookies/choose/", {"choice": "accept", "next": "/"}, **GPC)
    choice = _read(client)
    assert choice.accepted == {"preferences": True, "statistics": True, "marketing": False}
    events = ConsentEvent.objects.filter(visitor_id=choice.visitor_id)
    assert {(e.purpose.code, e.granted, e.method) for e in events} == {
        ("cookies-preferences", True, Method.COOKIE_BANNER),
        ("cookies-statistics", True, Method.COOKIE_BANNER),
        ("cookies-marketing", False, Method.GPC),
    }
    response = client.get("/?utm_campaign=spring", **GPC)
    assert cookies.CAMPAIGN_COOKIE not in response.cookies
    assert response.cookies[cookies.ANALYTICS_COOKIE].value


def test_it_records_a_visitors_gpc_refusal_once(client):
    client.post("/cookies/choose/", {"choice": "accept"})
    response = client.get("/?utm_campaign=spring")
    assert response.cookies[cookies.CAMPAIGN_COOKIE].value == "spring"
    visitor_id = _read(client).visitor_id

    response = client.get("/?utm_campaign=summer", **GPC)
    assert str(response.cookies[cookies.CAMPAIGN_COOKIE]["max-age"]) == "0"  # deleted
    events = _gpc_events(visitor_id=visitor_id)
    assert [(e.purpose.code, e.granted, e.subject_id) for e in events] == [("cookies-marketing", False, None)]
    assert _read(client).gpc
    assert not _read(client).accepted["marketing"]

    for _ in range(3):
        client.get("/?utm_campaign=summer", **GPC)
    assert _gpc_events(visitor_id=visitor_id).count() == 1


def test_a_visitor_who_refused_already_gets_no_gpc_event(client):
    client.post("/cookies/choose/", {"choice": "reject"})
    client.get("/", **GPC)
    assert not _gpc_events().exists()


def test_the_settings_page_shows_gpc_honoured_on_marketing(client):
    page = client.get("/cookies/", **GPC).content.decode()
    assert "Global Privacy Control honoured" in page
    assert 'value="marketing" id="cookie-marketing" disabled' in page
    # Ticking it anyway (a hand-made form) still records a GPC refusal, not a consent.
    client.post("/cookies/", {"category": ["marketing", "statistics"]}, **GPC)
    choice = _read(client)
    assert choice.accepted == {"preferences": False, "statistics": True, "marketing": False}
    marketing = ConsentState.objects.get(visitor_id=choice.visitor_id, purpose=_marketing_cookies())
    assert (marketing.granted, marketing.method) == (False, Method.GPC)


def test_it_runs_the_gpc_check_for_the_account_after_sign_in(client, customer):
    # A visitor's requests set no session flag: once signed in, the check runs for the account.
    client.get("/", **GPC)
    sign_in(client, customer)
    client.get("/", **GPC)
    assert _gpc_events(subject=customer, purpose=_marketing_cookies()).exists()


# --- /.well-known/gpc.json ----------------------------------------------------------------


def test_it_serves_gpc_json(client):
    client.post("/cookies/choose/", {"choice": "accept"})
    response = client.get("/.well-known/gpc.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"gpc": True, "lastUpdate": cookies.GPC_LAST_UPDATE}
    assert cookies.ANALYTICS_COOKIE not in response.cookies  # visits are counted on pages, not on this
    assert client.post("/.well-known/gpc.json").status_code == 405
