"""Local time in a real browser: the browser's zone reaches the account at sign-up, and the time
zone page offers it when none is chosen (a same-origin script; the policy blocks none of it)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from apps.accounts.models import User
from tests.browser.test_customer_journey import _log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("transactional_db")

PASSWORD = "lantern-river-orchid-58"


def test_sign_up_keeps_the_browsers_time_zone_and_the_name_to_call(live_server, browser: Browser):
    context = browser.new_context(timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/signup/")
    # Chromium reports the old name, Asia/Saigon; the account keeps the current one.
    expect(page.locator("input[name=time_zone]")).to_have_value(re.compile(r"^Asia/(Ho_Chi_Minh|Saigon)$"))
    page.locator("input[name=email]").fill("lan.browser@example.test")
    page.get_by_label("Full name").fill("Trần Thị Lan")
    page.get_by_label(re.compile(r"^What should we call you\?")).fill("Lan")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Password \(again\):?$")).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    user = User.objects.get(email="lan.browser@example.test")
    assert (user.time_zone, user.preferred_name) == ("Asia/Ho_Chi_Minh", "Lan")
    context.close()


def test_the_time_zone_page_offers_the_browsers_zone(live_server, browser: Browser):
    customer = UserFactory(email="tokyo@example.test", country="")
    context = browser.new_context(timezone_id="Asia/Tokyo", viewport={"width": 320, "height": 700})
    page = context.new_page()
    _log_in(page, live_server.url, customer.email)
    page.goto(f"{live_server.url}/account/details/time-zone/")
    offer = page.get_by_role("button", name="Use Asia/Tokyo, your browser's zone")
    expect(offer).to_be_visible()
    scroll, width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= width, f"the time zone page scrolls sideways at 320 px: {scroll} > {width}"
    offer.click()
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Tokyo")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Asia/Tokyo (GMT+9)")).to_be_visible()
    customer.refresh_from_db()
    assert customer.time_zone == "Asia/Tokyo"
    context.close()
