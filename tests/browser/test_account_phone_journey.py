"""A new customer on a 390×844 phone: signs up (optional choices apart), confirms the address,
reads the overview, finds Privacy choices through the section picker and switches a marketing
choice on and off with the switch, saved in place. Without JavaScript the same switch is a form."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from apps.accounts.models import User
from apps.consent.models import ConsentEvent, ConsentState
from tests.browser.test_customer_journey import _log_in
from tests.helpers.screenshots import save_screenshot

pytestmark = pytest.mark.usefixtures("transactional_db")

PHONE = {"width": 390, "height": 844}
PASSWORD = "quill-harbour-meadow-73"


def _shot(page: Page, name: str) -> None:
    """The phone's screen as a test artifact (this test's page is one of its own contexts)."""
    save_screenshot(page, f"phone-journey--{name}")


def _no_sideways_scroll(page: Page) -> None:
    scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client, f"{page.url} scrolls sideways: {scroll} > {client}"


def test_a_new_customer_signs_up_and_switches_marketing_off_on_a_phone(live_server, browser: Browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    base = live_server.url
    email = "phone.journey@example.test"

    page.goto(f"{base}/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    optional = page.get_by_role("group", name="News and offers (optional)")
    expect(optional.get_by_role("checkbox")).to_have_count(5)
    expect(page.get_by_role("link", name="privacy notice").first).to_be_visible()
    page.locator("input[name=email]").fill(email)
    page.get_by_label("Full name").fill("Phuong Phone")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Password \(again\):?$")).fill(PASSWORD)
    optional.get_by_role("checkbox", name="Offers by email").check()  # the one choice ticked
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    link = re.search(r"https?://[^\s\"'<>]+/accounts/confirm-email/[^\s\"'<>]+", mail.outbox[-1].body).group(0)
    page.goto(base + urlsplit(link).path)
    page.get_by_role("button", name="Confirm").click()
    if urlsplit(page.url).path == "/accounts/login/":
        _log_in(page, base, email, PASSWORD)
    expect(page).to_have_url(f"{base}/account/")

    # The overview tells the state: two-factor off, one use switched on.
    expect(page.locator("#card-two_factor")).to_contain_text("Off")
    expect(page.locator("#card-choices")).to_contain_text("1 of")
    _no_sideways_scroll(page)
    _shot(page, "01-overview")

    # On a phone the menu is a section picker, closed: the page's own content comes first.
    expect(page.locator(".account-nav")).to_be_hidden()
    picker = page.locator(".account-picker")
    expect(picker.get_by_role("link", name="Privacy choices")).to_be_hidden()
    picker.locator("summary").click()
    picker.get_by_role("link", name="Privacy choices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy choices")

    switch = page.get_by_role("switch", name="Offers by email")
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    url_before = page.url
    switch.click()
    # Saved in place: the switch flips, the confirmation is beside it, the page did not move.
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(page.locator("#choice-marketing-email-saved")).to_have_text("Offers by email: turned off.")
    expect(page.locator("#choice-marketing-email-saved")).to_be_in_viewport()
    expect(page.locator("#choice-marketing-email .choice-changed")).to_contain_text("(Your Account page)")
    assert page.url == url_before
    assert page.evaluate("window.scrollY") == before
    _shot(page, "02-switched-off")

    user = User.objects.get(email=email)
    state = ConsentState.objects.get(subject=user, purpose__code="marketing-email")
    assert not state.granted
    event = ConsentEvent.objects.filter(subject=user, purpose__code="marketing-email").order_by("-pk").first()
    assert (event.method, event.granted, event.actor_id) == ("account_page", False, user.pk)

    # The page read afresh agrees with what the switch showed.
    page.reload()
    expect(page.get_by_role("switch", name="Offers by email")).to_have_attribute("aria-checked", "false")
    context.close()


def test_without_javascript_the_switch_is_a_form_that_says_what_it_saved(live_server, browser: Browser, customer):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    base = live_server.url
    _log_in(page, base, customer.email)
    page.goto(f"{base}/account/privacy-choices/")
    switch = page.get_by_role("switch", name="Newsletter")
    expect(switch).to_have_attribute("aria-checked", "false")
    switch.click()
    # The form was sent: a new page, at the choice, with the confirmation beside the switch.
    expect(page).to_have_url(re.compile(r"/account/privacy-choices/#choice-newsletter$"))
    expect(page.get_by_role("switch", name="Newsletter")).to_have_attribute("aria-checked", "true")
    expect(page.locator("#choice-newsletter-saved")).to_have_text("Newsletter: turned on.")
    assert ConsentState.objects.get(subject=customer, purpose__code="newsletter").granted
    _shot(page, "no-js-switched-on")
    page.get_by_role("switch", name="Newsletter").click()
    expect(page.get_by_role("switch", name="Newsletter")).to_have_attribute("aria-checked", "false")
    expect(page.locator("#choice-newsletter-saved")).to_have_text("Newsletter: turned off.")
    assert not ConsentState.objects.get(subject=customer, purpose__code="newsletter").granted
    context.close()


def test_a_second_press_while_the_switch_is_saving_sends_nothing(live_server, browser: Browser, customer):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    base = live_server.url
    _log_in(page, base, customer.email)
    page.goto(f"{base}/account/privacy-choices/")
    # The first save is held on its way: a second press meanwhile would send the same stale value.
    held = []
    page.route(
        lambda url: "/account/privacy-choices/" in url,
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    switch = page.get_by_role("switch", name="Newsletter")
    expect(switch).to_have_attribute("aria-checked", "false")
    switch.click()
    expect(switch).to_have_attribute("aria-busy", "true")
    switch.click()
    page.wait_for_timeout(300)
    assert len(held) == 1
    held[0].continue_()
    expect(switch).to_have_attribute("aria-checked", "true")
    expect(page.locator("#choice-newsletter-saved")).to_have_text("Newsletter: turned on.")
    expect(switch).not_to_have_attribute("aria-busy", "true")
    assert ConsentState.objects.get(subject=customer, purpose__code="newsletter").granted
    # Once saved, the switch takes the next press, with the value wanted next.
    switch.click()
    page.wait_for_timeout(300)
    assert len(held) == 2
    assert re.search(r'name="granted"\s+0\s', held[1].request.post_data or "")
    held[1].continue_()
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(page.locator("#choice-newsletter-saved")).to_have_text("Newsletter: turned off.")
    context.close()
