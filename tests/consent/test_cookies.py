"""The cookie banner, the cookie settings page and the consent cookie (P-13).

Real database, real middleware, real allauth sign-in: nothing of the project is mocked.
"""

from __future__ import annotations

import pytest
from django.core import signing
from django.http import HttpResponse
from django.test import Client, RequestFactory

from apps.consent.domain import cookies
from apps.consent.middleware import (
    DERIVED_SESSION_KEY,
    CookieConsentMiddleware,
    apply_to_response,
    read_cookie,
    remember_dismissed,
)
from apps.consent.models import ConsentEvent, ConsentState, Purpose
from apps.consent.selectors.cookies import categories_fingerprint, current_fingerprint
from apps.consent.services.ledger import Context, consent_set_choices
from tests.factories import TEST_PASSWORD
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

Method = ConsentEvent.Method
BANNER_ID = 'id="cookie-banner"'
CHOOSE_URL = "/cookies/choose/"
SETTINGS_URL = "/cookies/"


def _request_with(value: str):
    request = RequestFactory().get("/")
    request.COOKIES[cookies.COOKIE_NAME] = value
    return request


def _read(client: Client) -> cookies.CookieChoice | None:
    morsel = client.cookies.get(cookies.COOKIE_NAME)
    return read_cookie(_request_with(morsel.value)) if morsel is not None and morsel.value else None


def _cookie_events(**owner):
    return ConsentEvent.objects.filter(purpose__kind=Purpose.Kind.COOKIES, **owner)


def _purpose(category: str) -> Purpose:
    return Purpose.objects.get(code=cookies.PURPOSE_FOR_CATEGORY[category])


def _deleted(response, name: str) -> bool:
    morsel = response.cookies.get(name)
    return morsel is not None and str(morsel["max-age"]) == "0"


def _set(response, name: str) -> bool:
    morsel = response.cookies.get(name)
    return morsel is not None and str(morsel["max-age"]) != "0" and bool(morsel.value)


# --- The banner -------------------------------------------------------------------------


def test_it_shows_the_banner_until_a_choice_is_made(client):
    page = client.get("/").content.decode()
    assert BANNER_ID in page
    assert 'aria-labelledby="cookie-banner-title"' in page
    # The two answers are the same kind of button, in the same form.
    assert 'name="choice" value="accept" class="button cookie-choice"' in page
    assert 'name="choice" value="reject" class="button cookie-choice"' in page
    assert 'href="/cookies/?next=/"' in page

    response = client.post(CHOOSE_URL, {"choice": "reject", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert BANNER_ID not in client.get("/").content.decode()
    assert BANNER_ID not in client.get("/cookies/").content.decode()


def test_it_records_accept_all_against_the_visitor_id(client):
    response = client.post(CHOOSE_URL, {"choice": "accept", "next": "/privacy-policy/"})
    assert response["Location"] == "/privacy-policy/"

    choice = _read(client)
    assert choice is not None
    assert choice.accepted == {"preferences": True, "statistics": True, "marketing": True}
    assert choice.fingerprint == categories_fingerprint()
    events = _cookie_events(visitor_id=choice.visitor_id)
    assert {(e.purpose.code, e.granted, e.method) for e in events} == {
        ("cookies-preferences", True, Method.COOKIE_BANNER),
        ("cookies-statistics", True, Method.COOKIE_BANNER),
        ("cookies-marketing", True, Method.COOKIE_BANNER),
    }
    assert all(e.subject is None and e.source_page == "/privacy-policy/" for e in events)

    morsel = response.cookies[cookies.COOKIE_NAME]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert int(morsel["max-age"]) == cookies.COOKIE_MAX_AGE
    assert not morsel["secure"]  # plain http here; https sets Secure (below)


def test_it_records_reject_all_as_refusals(client):
    client.post(CHOOSE_URL, {"choice": "reject"})
    choice = _read(client)
    assert choice.accepted == {"preferences": False, "statistics": False, "marketing": False}
    events = _cookie_events(visitor_id=choice.visitor_id)
    assert events.count() == 3
    assert not events.filter(granted=True).exists()
    assert set(events.values_list("method", flat=True)) == {Method.COOKIE_BANNER}
    # Strictly necessary cookies are never asked, so never recorded.
    assert not events.filter(purpose__code="cookies-necessary").exists()


def test_it_marks_the_cookie_secure_over_https(client):
    response = client.post(CHOOSE_URL, {"choice": "reject", "next": "/"}, secure=True)
    assert response.cookies[cookies.COOKIE_NAME]["secure"] is True


def test_it_keeps_the_visitor_id_when_the_visitor_chooses_again(client):
    client.post(CHOOSE_URL, {"choice": "accept"})
    first = _read(client)
    client.post(SETTINGS_URL, {"action": "reject"})
    assert _read(client).visitor_id == first.visitor_id
    assert _cookie_events(visitor_id=first.visitor_id).filter(method=Method.COOKIE_SETTINGS).count() == 3


def test_it_ignores_a_forged_cookie(client):
    forged = signing.dumps(
        {"v": "f" * 32, "h": categories_fingerprint(), "c": dict.fromkeys(cookies.CHOICE_CATEGORIES, True)},
        salt="not-our-salt",
        compress=True,
    )
    tampered = cookies.CookieChoice("a" * 32, categories_fingerprint(), {"statistics": False}).encode()
    tampered = tampered.replace(tampered.split(":")[0], tampered.split(":")[0][:-2] + "AA", 1)
    for value in (forged, tampered, "not-even-signed"):
        client.cookies[cookies.COOKIE_NAME] = value
        response = client.get("/")
        assert BANNER_ID in response.content.decode(), value
        assert cookies.ANALYTICS_COOKIE not in response.cookies

    client.cookies[cookies.COOKIE_NAME] = forged
    client.post(CHOOSE_URL, {"choice": "accept"})
    assert _read(client).visitor_id != "f" * 32
    assert not ConsentEvent.objects.filter(visitor_id="f" * 32).exists()


def test_it_records_a_signed_in_customer_choice_against_the_account(client_as, customer):
    client = client_as("customer")
    assert BANNER_ID in client.get("/").content.decode()
    client.post(CHOOSE_URL, {"choice": "reject", "next": "/account/"})
    events = _cookie_events(subject=customer)
    assert events.count() == 3
    assert set(events.values_list("visitor_id", flat=True)) == {""}
    assert set(events.values_list("actor", flat=True)) == {customer.pk}
    assert _read(client) is not None
    assert BANNER_ID not in client.get("/").content.decode()


def test_it_carries_the_visitors_choice_into_the_account_at_sign_in(client, customer):
    client.post(CHOOSE_URL, {"choice": "accept"})
    visitor_id = _read(client).visitor_id

    response = client.post("/accounts/login/", {"login": customer.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == customer.pk

    carried = _cookie_events(subject=customer, method=Method.CARRIED_AT_SIGN_IN)
    assert {e.purpose.code for e in carried if e.granted} == {
        "cookies-preferences",
        "cookies-statistics",
        "cookies-marketing",
    }
    assert _cookie_events(visitor_id=visitor_id).count() == 3  # the visitor's own events stay as they were
    assert ConsentState.objects.filter(subject=customer, purpose__kind=Purpose.Kind.COOKIES, granted=True).count() == 3
    assert BANNER_ID not in client.get("/").content.decode()


def test_it_gives_a_signed_in_customer_their_choice_on_a_new_device(client_as, customer):
    consent_set_choices(
        choices={_purpose("preferences"): False, _purpose("statistics"): True, _purpose("marketing"): False},
        context=Context(method=Method.COOKIE_SETTINGS),
        actor=customer,
        subject=customer,
        record_unchanged=True,
    )
    # No consent cookie on this device, and "/" is the first page it opens after signing in.
    client = sign_in(Client(), customer, land=False)
    response = client.get("/")
    assert BANNER_ID not in response.content.decode()
    choice = _read(client)
    assert choice.accepted == {"preferences": False, "statistics": True, "marketing": False}
    assert choice.fingerprint == categories_fingerprint()
    assert _set(response, cookies.ANALYTICS_COOKIE)
    assert _cookie_events(subject=customer).count() == 3  # reading the account records nothing


def test_it_asks_a_signed_in_customer_without_cookie_choices_once_per_session(client_as, customer):
    client = client_as("customer")
    assert BANNER_ID in client.get("/").content.decode()
    assert client.session[DERIVED_SESSION_KEY] == categories_fingerprint()
    assert cookies.COOKIE_NAME not in client.cookies


def test_it_asks_a_customer_again_when_categories_changed_after_their_choice(client_as, customer):
    consent_set_choices(
        choices={_purpose(c): True for c in cookies.CHOICE_CATEGORIES},
        context=Context(method=Method.COOKIE_BANNER),
        actor=customer,
        subject=customer,
        record_unchanged=True,
    )
    statistics = _purpose("statistics")
    statistics.cookies = [*statistics.cookies, {"name": "pp_heatmap", "provider": "this site"}]
    statistics.save()
    response = client_as("customer").get("/")
    page = response.content.decode()
    assert BANNER_ID in page
    assert "Our cookies have changed since you last chose" in page
    assert not _set(response, cookies.ANALYTICS_COOKIE)


# --- The categories change: ask again -------------------------------------------------------


def test_it_shows_the_banner_again_when_the_categories_change(client):
    client.post(CHOOSE_URL, {"choice": "accept"})
    response = client.get("/")
    assert BANNER_ID not in response.content.decode()
    assert _set(response, cookies.ANALYTICS_COOKIE)

    marketing = _purpose("marketing")
    marketing.cookies = [*marketing.cookies, {"name": "pp_referrer", "provider": "this site", "duration": "7 days"}]
    marketing.save()  # clears the cached fingerprint at once

    response = client.get("/")
    page = response.content.decode()
    assert BANNER_ID in page
    assert "Our cookies have changed since you last chose" in page
    # Until the visitor answers again, non-essential cookies are gone.
    assert _deleted(response, cookies.ANALYTICS_COOKIE)

    client.post(CHOOSE_URL, {"choice": "accept"})
    assert BANNER_ID not in client.get("/").content.decode()
    assert _read(client).fingerprint == categories_fingerprint()


def test_it_caches_the_fingerprint_so_a_request_with_a_choice_needs_no_query(client, django_assert_num_queries):
    choice = cookies.CookieChoice(
        cookies.new_visitor_id(), current_fingerprint(), dict.fromkeys(cookies.CHOICE_CATEGORIES, True)
    )
    request = RequestFactory().get("/", {"utm_campaign": "spring"})
    request.COOKIES[cookies.COOKIE_NAME] = choice.encode()
    request.COOKIES[cookies.ANALYTICS_COOKIE] = "abc"
    middleware = CookieConsentMiddleware(lambda r: HttpResponse("<p>hi</p>"))
    with django_assert_num_queries(0):
        response = middleware(request)
    assert request.cookie_consent.allows("statistics")
    assert response.cookies[cookies.CAMPAIGN_COOKIE].value == "spring"
    assert cookies.ANALYTICS_COOKIE not in response.cookies  # kept as it is, not renewed


# --- The settings page ------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["anonymous", "customer"])
def test_it_lists_each_category_with_its_cookies(client_as, persona):
    response = client_as(persona).get(SETTINGS_URL)
    assert response.status_code == 200
    page = response.content.decode()
    for category in ("necessary", *cookies.CHOICE_CATEGORIES):
        assert f'id="category-{category}"' in page
    for name in ("sessionid", "csrftoken", "pp_consent", "pp_dismissed", "pp_analytics", "pp_campaign"):
        assert f"<code>{name}</code>" in page
    assert "Always on" in page
    assert 'name="category" value="necessary"' not in page
    for category in cookies.CHOICE_CATEGORIES:
        assert f'<input type="checkbox" name="category" value="{category}" id="cookie-{category}">' in page
    assert "Global Privacy Control honoured" not in page


def test_it_saves_the_settings_and_shows_them(client):
    response = client.post(SETTINGS_URL, {"category": ["statistics"], "action": "save"})
    assert response.status_code == 302
    assert response["Location"] == "/cookies/?saved=1"
    choice = _read(client)
    assert choice.accepted == {"preferences": False, "statistics": True, "marketing": False}
    # A first choice records every category, the refusals too.
    events = _cookie_events(visitor_id=choice.visitor_id)
    assert {(e.purpose.code, e.granted) for e in events} == {
        ("cookies-preferences", False),
        ("cookies-statistics", True),
        ("cookies-marketing", False),
    }
    assert set(events.values_list("method", flat=True)) == {Method.COOKIE_SETTINGS}

    page = client.get(response["Location"]).content.decode()
    assert "Your cookie choices are saved." in page
    assert 'value="statistics" id="cookie-statistics" checked' in page
    assert 'value="marketing" id="cookie-marketing">' in page

    # A later save records only what changed.
    client.post(SETTINGS_URL, {"category": ["statistics", "preferences"]})
    events = _cookie_events(visitor_id=choice.visitor_id)
    assert events.count() == 4
    assert (events.first().purpose.code, events.first().granted) == ("cookies-preferences", True)


def test_it_saves_a_signed_in_customers_settings_against_the_account(client_as, customer):
    client = client_as("customer")
    response = client.post(SETTINGS_URL, {"category": ["marketing"], "next": "/account/"})
    assert response["Location"] == "/account/"
    states = ConsentState.objects.filter(subject=customer, purpose__kind=Purpose.Kind.COOKIES)
    assert {(s.purpose.code, s.granted, s.method) for s in states} == {
        ("cookies-preferences", False, Method.COOKIE_SETTINGS),
        ("cookies-statistics", False, Method.COOKIE_SETTINGS),
        ("cookies-marketing", True, Method.COOKIE_SETTINGS),
    }


# --- Non-essential cookies only with consent ---------------------------------------------


def test_it_sets_no_non_essential_cookie_before_a_choice(client):
    response = client.get("/?utm_campaign=spring")
    assert response.status_code == 200
    for name in (cookies.ANALYTICS_COOKIE, cookies.CAMPAIGN_COOKIE, cookies.DISMISSED_COOKIE, cookies.COOKIE_NAME):
        assert name not in response.cookies

    client.post(CHOOSE_URL, {"choice": "reject"})
    response = client.get("/?utm_campaign=spring")
    assert cookies.ANALYTICS_COOKIE not in response.cookies
    assert cookies.CAMPAIGN_COOKIE not in response.cookies


def test_it_sets_each_cookie_only_for_its_accepted_category_and_deletes_it_on_refusal(client):
    client.post(SETTINGS_URL, {"category": ["statistics"]})
    response = client.get("/?utm_campaign=spring")
    assert _set(response, cookies.ANALYTICS_COOKIE)
    assert response.cookies[cookies.ANALYTICS_COOKIE]["httponly"] is True
    assert int(response.cookies[cookies.ANALYTICS_COOKIE]["max-age"]) == 365 * 24 * 3600
    assert cookies.CAMPAIGN_COOKIE not in response.cookies
    analytics_id = response.cookies[cookies.ANALYTICS_COOKIE].value
    assert cookies.ANALYTICS_COOKIE not in client.get("/").cookies  # kept, not replaced
    assert client.cookies[cookies.ANALYTICS_COOKIE].value == analytics_id

    client.post(CHOOSE_URL, {"choice": "accept"})
    response = client.get("/?utm_campaign=Spring<script>alert(1)</script>")
    assert response.cookies[cookies.CAMPAIGN_COOKIE].value == "Springscriptalert1script"
    assert int(response.cookies[cookies.CAMPAIGN_COOKIE]["max-age"]) == 30 * 24 * 3600

    # Refusing later deletes them, on the very response that records the refusal.
    response = client.post(SETTINGS_URL, {"category": ["preferences"]})
    assert _deleted(response, cookies.ANALYTICS_COOKIE)
    assert _deleted(response, cookies.CAMPAIGN_COOKIE)
    assert cookies.ANALYTICS_COOKIE not in client.cookies or not client.cookies[cookies.ANALYTICS_COOKIE].value


def test_it_keeps_pp_dismissed_to_those_who_accepted_preferences():
    factory = RequestFactory()

    def respond(request, cookie_choice):
        request.cookie_consent = cookies.CookieConsent(choice=cookie_choice, fingerprint=current_fingerprint())
        response = HttpResponse("<p>ok</p>")
        remembered = remember_dismissed(request, response, "policy-2")
        # Whoever sets it, the middleware's pass removes it without consent.
        response.set_cookie(cookies.DISMISSED_COOKIE, "policy-2")
        apply_to_response(request, response, request.cookie_consent)
        return remembered, response

    fingerprint = current_fingerprint()
    refused = cookies.CookieChoice("v" * 32, fingerprint, dict.fromkeys(cookies.CHOICE_CATEGORIES, False))
    request = factory.get("/")
    request.COOKIES[cookies.DISMISSED_COOKIE] = "policy-1"
    remembered, response = respond(request, refused)
    assert not remembered
    assert _deleted(response, cookies.DISMISSED_COOKIE)

    accepted = cookies.CookieChoice("v" * 32, fingerprint, {"preferences": True})
    request = factory.get("/")
    request.COOKIES[cookies.DISMISSED_COOKIE] = "policy-1"
    assert remember_dismissed(request, HttpResponse(), "policy-2") is False  # no consent read yet: none
    request.cookie_consent = cookies.CookieConsent(choice=accepted, fingerprint=fingerprint)
    response = HttpResponse()
    assert remember_dismissed(request, response, "policy-2")
    assert response.cookies[cookies.DISMISSED_COOKIE].value == "policy-1.policy-2"


# --- Bad input: 4xx, nothing recorded ------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (CHOOSE_URL, {"choice": "maybe", "next": "/"}),
        (CHOOSE_URL, {"next": "/"}),
        (CHOOSE_URL, {"choice": "accept", "next": "https://evil.example/"}),
        (CHOOSE_URL, {"choice": "accept", "next": "//evil.example/x"}),
        (CHOOSE_URL, {"choice": "accept", "next": "/\\evil.example"}),
        (CHOOSE_URL, {"choice": "accept", "next": "javascript:alert(1)"}),
        (SETTINGS_URL, {"category": ["statistics", "tracking"]}),
        (SETTINGS_URL, {"category": ["necessary"]}),
        (SETTINGS_URL, {"action": "delete-everything"}),
        (SETTINGS_URL, {"category": ["statistics"], "next": "https://evil.example/"}),
    ],
)
def test_it_refuses_bad_input_and_records_nothing(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    assert not ConsentEvent.objects.exists()
    assert cookies.COOKIE_NAME not in response.cookies


def test_it_refuses_a_tampered_next_on_the_settings_page(client):
    assert client.get("/cookies/?next=https://evil.example/").status_code == 400
    assert client.get("/cookies/?next=/account/").status_code == 200


def test_it_refuses_a_get_on_the_choice_endpoint(client):
    assert client.get(CHOOSE_URL, {"choice": "accept", "next": "/"}).status_code == 405
    assert client.put(SETTINGS_URL).status_code == 405
    assert not ConsentEvent.objects.exists()


def test_it_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    assert client.post(CHOOSE_URL, {"choice": "accept"}).status_code == 403
    assert not ConsentEvent.objects.exists()
