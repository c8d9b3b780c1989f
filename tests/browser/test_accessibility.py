"""axe-core finds nothing on the customer pages: the overview's cards, the switches (in both
states, and after one was saved in place), the section picker on a phone, the forms with
their errors, and the public entrance pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.accessibility import axe_violations
from tests.browser.test_customer_journey import _log_in

pytestmark = pytest.mark.usefixtures("transactional_db")

CUSTOMER_PAGES = [
    "/account/",
    "/account/details/",
    "/account/details/phone/",
    "/account/details/preferred-name/",
    "/account/details/time-zone/",
    "/account/security/",
    "/account/public-profile/",
    "/account/privacy-choices/",
    "/account/privacy-choices/history/",
    "/account/requests/",
    "/account/requests/new/",
    "/account/data/",
    "/accounts/sessions/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/3rdparty/",
    "/accounts/reauthenticate/",
]
PUBLIC_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/privacy-request/",
    "/cookies/",
]


@pytest.mark.parametrize("width", [1280, 390])
def test_customer_pages_have_no_axe_violations(live_server, browser: Browser, customer, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    base = live_server.url
    _log_in(page, base, customer.email)
    expect(page).to_have_url(re.compile(r"/account/$"))
    found = []
    for path in CUSTOMER_PAGES:
        page.goto(base + path)
        found += axe_violations(page)
    # A switch after it was saved in place, and the phone's section picker opened.
    page.goto(f"{base}/account/privacy-choices/")
    switch = page.get_by_role("switch", name="Newsletter")
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "true")
    expect(page.locator("#choice-newsletter-saved")).to_have_text("Newsletter: turned on.")
    found += axe_violations(page)
    if width < 768:
        page.locator(".account-picker summary").click()
        found += axe_violations(page)
    # A form showing its errors.
    page.goto(f"{base}/account/details/phone/")
    page.locator("input[name=phone]").fill("not a number")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_phone_error")).to_be_visible()
    found += axe_violations(page)
    context.close()
    assert found == [], "\n".join(found)


def test_public_pages_have_no_axe_violations(live_server, browser: Browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    found = []
    for path in PUBLIC_PAGES:
        page.goto(live_server.url + path)
        found += axe_violations(page)
    page.goto(f"{live_server.url}/accounts/signup/")
    page.locator("main form button[type=submit]").click()  # empty: every error shown
    found += axe_violations(page)
    context.close()
    assert found == [], "\n".join(found)
