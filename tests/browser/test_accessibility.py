"""axe-core finds nothing on the customer pages: the overview's cards, the switches (in both
states, and after one was saved in place), the section picker on a phone, the forms with
their errors, and the public entrance pages."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.accessibility import axe_violations
from tests.browser.test_customer_journey import _log_in, _log_out
from tests.factories import TEST_PASSWORD

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


def _confirm_with_password(page, base: str) -> None:
    page.goto(f"{base}/accounts/reauthenticate/")
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page).not_to_have_url(re.compile(r"/reauthenticate/"))


def test_the_two_factor_screens_have_no_axe_violations(live_server, browser: Browser, customer, screenshot):
    """Turning the authenticator app on, the recovery codes, the code at the next sign-in, confirming
    it is you with a code, new codes and turning it off: the portal's own templates for allauth's
    screens, each kept as a 390 px screenshot."""
    from tests.helpers import totp_code

    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    base = live_server.url
    _log_in(page, base, customer.email)
    expect(page).to_have_url(re.compile(r"/account/$"))
    _confirm_with_password(page, base)
    page.goto(f"{base}/accounts/2fa/totp/activate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Turn on two-factor authentication")
    found = axe_violations(page)
    screenshot("2fa-turn-on", page=page)
    secret = page.locator(".totp-secret").inner_text()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    found += axe_violations(page)
    screenshot("2fa-recovery-codes", page=page)

    _log_out(page, base)
    _log_in(page, base, customer.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from your app")
    found += axe_violations(page)
    screenshot("2fa-sign-in-code", page=page)
    page.locator("input[name=code]").fill(totp_code(secret, at=time.time() + 30))  # not the code just used
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    # Changing the second factor asks to confirm it is you again: with a code, or the password.
    page.goto(f"{base}/accounts/2fa/reauthenticate/")
    expect(page.locator("input[name=code]")).to_be_visible()
    found += axe_violations(page)
    screenshot("2fa-confirm-with-code", page=page)
    page.goto(f"{base}/accounts/reauthenticate/")
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    for path, name in (
        ("/accounts/2fa/recovery-codes/generate/", "new-codes"),
        ("/accounts/2fa/totp/deactivate/", "off"),
    ):
        page.goto(base + path)
        expect(page).to_have_url(base + path)
        found += axe_violations(page)
        screenshot(f"2fa-{name}", page=page)
    context.close()
    assert found == [], "\n".join(found)
