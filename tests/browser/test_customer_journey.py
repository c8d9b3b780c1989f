"""A customer's and an officer's journeys through the portal in a real Chromium.

Each test runs against ``live_server`` (a real HTTP server on a committed test
database) and drives the pages only through what a person can see and click.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from allauth.mfa import app_settings as mfa_settings
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from apps.accounts.models import PublicProfile, User
from tests.factories import TEST_PASSWORD
from tests.helpers import totp_code

pytestmark = pytest.mark.usefixtures("transactional_db")

NEW_PASSWORD = "lantern-orchard-velvet-42"
GOOD_PHONE = "+44 20 7946 0958"
GOOD_PHONE_E164 = "+442079460958"
BAD_PHONE = "+44 12"


# --- Helpers ---------------------------------------------------------------------------


def _log_in(page: Page, base_url: str, email: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the real allauth form (labels, button and all)."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label(re.compile(r"^Email:?$")).fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(password)
    page.get_by_role("button", name="Sign In").click()


def _log_out(page: Page, base_url: str) -> None:
    # The confirmation page may be translated: find its form, not its words.
    page.goto(f"{base_url}/accounts/logout/")
    page.locator("main form[action='/accounts/logout/'] button[type=submit]").click()
    expect(page.locator("a[href='/accounts/login/']").first).to_be_visible()


def _current_totp(secret: str) -> str:
    """The code an authenticator app shows now (RFC 6238, tests/helpers/auth.py).

    Production accepts only the current period, so a code computed in the last seconds of
    a period waits for the next one rather than expire in transit, as a person would.
    """
    remaining = mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD
    if remaining < 5:
        time.sleep(remaining + 0.2)
    return totp_code(secret)


def _path(page: Page) -> str:
    return urlsplit(page.url).path


# --- 1. Sign up, verify, manage details ------------------------------------------------


def test_it_signs_up_verifies_and_manages_details(live_server, page: Page, screenshot):
    base = live_server.url
    email = "new.customer@example.test"

    page.goto(f"{base}/accounts/signup/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Full name").fill("Nadia Newcomer")
    page.locator("input[name=email]").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(NEW_PASSWORD)
    page.get_by_label(re.compile(r"^Password \(again\):?$")).fill(NEW_PASSWORD)
    screenshot("01-signup")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.get_by_text("We sent you an email with a link")).to_be_visible()
    screenshot("02-verification-sent")

    user = User.objects.get(email=email)
    assert user.full_name == "Nadia Newcomer"
    assert not user.emailaddress_set.get(email=email).verified

    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    message = mail.outbox[0]
    assert message.to == [email]
    match = re.search(r"https?://[^\s\"'<>]+/accounts/confirm-email/[^\s\"'<>]+", message.body)
    assert match, message.body
    link = urlsplit(match.group(0))
    live = urlsplit(base)
    page.goto(urlunsplit((live.scheme, live.netloc, link.path, link.query, "")))

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    expect(page.locator("main")).to_contain_text(email)
    screenshot("03-confirm")
    page.get_by_role("button", name="Confirm").click()

    # ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION: the same browser is signed in straight away.
    if _path(page) == "/accounts/login/":
        _log_in(page, base, email, NEW_PASSWORD)
    expect(page).to_have_url(f"{base}/account/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Nadia")
    assert user.emailaddress_set.get(email=email).verified
    screenshot("04-overview")

    page.get_by_role("navigation", name="Your Account").get_by_role("link", name="Your details").click()
    expect(page).to_have_url(f"{base}/account/details/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    phone_row = page.locator(".summary-row").filter(has_text="Phone number")
    expect(phone_row.locator("dd").first).to_have_text("Not given")
    screenshot("05-details")

    page.get_by_role("link", name="Change phone number").click()
    expect(page).to_have_url(f"{base}/account/details/phone/")
    page.get_by_label("Phone number").fill(GOOD_PHONE)
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(f"{base}/account/details/")
    expect(page.get_by_role("status")).to_contain_text("Your phone number was saved.")
    expect(phone_row.locator("dd").first).to_have_text(GOOD_PHONE)
    user.refresh_from_db()
    assert user.phone == GOOD_PHONE_E164
    screenshot("06-details-with-phone")

    page.get_by_role("link", name="Change phone number").click()
    phone_input = page.get_by_label("Phone number")
    expect(phone_input).to_have_value(GOOD_PHONE_E164)
    phone_input.fill(BAD_PHONE)
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(f"{base}/account/details/phone/")
    expect(page.get_by_role("alert")).to_have_text(
        "This is not a valid phone number. Check the digits and the country code."
    )
    expect(page.get_by_label("Phone number")).to_have_value(BAD_PHONE)
    user.refresh_from_db()
    assert user.phone == GOOD_PHONE_E164
    screenshot("07-phone-edit-error")


# --- 2. Language preference ------------------------------------------------------------


def test_it_switches_to_vietnamese_and_remembers_it(live_server, page: Page, browser: Browser, customer, screenshot):
    base = live_server.url

    _log_in(page, base, customer.email)
    expect(page).to_have_url(f"{base}/account/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    switcher = page.locator("form.language-switcher")
    switcher.locator("select").select_option("vi")
    switcher.get_by_role("button").click()

    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page).to_have_url(f"{base}/account/")
    expect(page.locator("#language-select")).to_have_value("vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Xin chào, Casey")
    customer.refresh_from_db()
    assert customer.preferred_language == "vi"
    screenshot("vietnamese-overview")

    _log_out(page, base)

    # A fresh browser (no language cookie) signs in: the account's choice wins.
    fresh = browser.new_context()
    try:
        other = fresh.new_page()
        other.goto(f"{base}/accounts/login/")
        expect(other.locator("html")).to_have_attribute("lang", "en")
        _log_in(other, base, customer.email)
        expect(other).to_have_url(f"{base}/account/")
        expect(other.locator("html")).to_have_attribute("lang", "vi")
        expect(other.locator("#language-select")).to_have_value("vi")
        expect(other.get_by_role("heading", level=1)).to_have_text("Xin chào, Casey")
        other.goto(f"{base}/account/details/")
        expect(other.locator("html")).to_have_attribute("lang", "vi")
    finally:
        fresh.close()


# --- 3. The admin needs a second factor ---------------------------------------------------


def test_it_keeps_the_admin_behind_mfa(live_server, page: Page, browser: Browser, officer, customer, screenshot):
    base = live_server.url

    # Without the second factor the admin is out of reach.
    page.goto(f"{base}/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fadmin%2F$"))

    page.get_by_label(re.compile(r"^Email:?$")).fill(officer.email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    expect(page).to_have_url(f"{base}/accounts/2fa/authenticate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from your app")
    screenshot("mfa-code")
    # Password alone is not enough: the admin still sends the officer back.
    page.goto(f"{base}/admin/")
    expect(page.get_by_text("Privacy operations")).to_have_count(0)
    page.goto(f"{base}/accounts/2fa/authenticate/")

    page.locator("input[name=code]").fill(_current_totp(officer.totp_secret))
    page.get_by_role("button", name="Sign In").click()

    expect(page).to_have_url(f"{base}/admin/")
    expect(page.get_by_role("heading", name="Privacy operations")).to_be_visible()
    page.get_by_role("link", name="Users", exact=True).first.click()

    expect(page).to_have_url(f"{base}/admin/accounts/user/")
    results = page.locator("#result_list")
    expect(results).to_contain_text(customer.email)
    expect(results).to_contain_text(officer.email)
    screenshot("admin-users")

    results.get_by_role("link", name=customer.email).click()
    expect(page).to_have_url(re.compile(rf"/admin/accounts/user/{customer.pk}/change/$"))
    # Read-only to an officer: whoever sets the address could reset the password to it.
    expect(page.locator(".field-email .readonly")).to_have_text(customer.email)
    expect(page.locator("#id_full_name")).to_have_value(customer.full_name)
    screenshot("admin-user-change")

    # A signed-in customer gets no admin content.
    other_context = browser.new_context()
    try:
        other = other_context.new_page()
        _log_in(other, base, customer.email)
        expect(other).to_have_url(f"{base}/account/")
        # Not a redirect loop back to the sign-in page: a plain "Not allowed".
        response = other.goto(f"{base}/admin/")
        assert response is not None
        assert response.status == 403
        expect(other.get_by_role("heading", level=1)).to_have_text("Not allowed")
        body = other.locator("body")
        expect(body).not_to_contain_text("Privacy operations")
        expect(body).not_to_contain_text("Privacy Portal administration")
        expect(body).not_to_contain_text(officer.email)
        expect(other.locator("#result_list")).to_have_count(0)
        response = other.goto(f"{base}/admin/accounts/user/")
        assert response is not None
        assert response.status == 403
        expect(other.locator("body")).not_to_contain_text(officer.email)
        expect(other.locator("#result_list")).to_have_count(0)
    finally:
        other_context.close()


# --- 4. Public profile ------------------------------------------------------------------


def test_it_shows_only_chosen_public_profile_parts(live_server, page: Page, browser: Browser, customer, screenshot):
    base = live_server.url
    handle = "casey-sings"

    # The customer chooses in their own browser; `page` is the anonymous visitor's.
    own_context = browser.new_context()
    try:
        own = own_context.new_page()
        _log_in(own, base, customer.email)
        expect(own).to_have_url(f"{base}/account/")
        own.goto(f"{base}/account/public-profile/")
        expect(own.get_by_text("Your profile is private: nothing is shown publicly.")).to_be_visible()

        own.get_by_label("Handle").fill(handle)
        own.get_by_label("Show my display name").check()
        boxes = own.locator("main input[type=checkbox]")
        expect(boxes).to_have_count(len(PublicProfile.VISIBILITY_FIELDS))
        for box in boxes.all():
            if box.get_attribute("name") != "show_display_name":
                expect(box).not_to_be_checked()
        own.get_by_role("button", name="Save").click()

        expect(own).to_have_url(f"{base}/account/public-profile/")
        expect(own.get_by_role("status")).to_contain_text("Your public profile settings were saved.")
        public_link = own.locator(f"main a[href='/u/{handle}/']")
        expect(public_link).to_have_text(f"{base}/u/{handle}/")
    finally:
        own_context.close()

    profile = PublicProfile.objects.get(user=customer)
    assert profile.handle == handle
    assert profile.show_display_name
    assert not any(getattr(profile, name) for name in PublicProfile.VISIBILITY_FIELDS if name != "show_display_name")

    response = page.goto(f"{base}/u/{handle}/")
    assert response is not None
    assert response.status == 200
    # No display name was typed, so the customer's name is the one shown.
    expect(page.get_by_role("heading", level=1)).to_have_text(customer.full_name)
    body = page.locator("body")
    expect(body).not_to_contain_text(customer.email)
    expect(body).not_to_contain_text("follower")
    expect(body).not_to_contain_text("Recently followed artists")
    expect(page.locator("main img")).to_have_count(0)
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    screenshot("public-profile")


# --- 5. Accessible basics -------------------------------------------------------------------

UNLABELLED_CONTROLS_JS = """
() => Array.from(document.querySelectorAll("input, select, textarea"))
  .filter((el) => !["hidden", "submit", "button", "reset", "image"].includes((el.type || "").toLowerCase()))
  .filter((el) => el.labels === null || el.labels.length === 0
                  || Array.from(el.labels).every((label) => !label.textContent.trim()))
  .map((el) => el.outerHTML)
"""


def _assert_accessible_basics(page: Page, screenshot=None, name: str = "") -> None:
    url = page.url
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == [], f"controls without a label on {url}"
    expect(page.locator("h1")).to_have_count(1)
    lang = page.locator("html").get_attribute("lang")
    assert lang, f"<html> has no lang on {url}"

    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => {
            const el = document.activeElement;
            const box = el.getBoundingClientRect();
            return {tag: el.tagName, text: el.textContent.trim(), href: el.getAttribute("href"),
                    visible: box.width > 0 && box.height > 0 && box.right > 0 && box.left < window.innerWidth};
        }"""
    )
    assert focused["tag"] == "A", (url, focused)
    assert focused["text"] == "Skip to main content", (url, focused)
    assert focused["href"] == "#main", (url, focused)
    assert focused["visible"], f"the skip link stays off screen when focused on {url}"
    if screenshot is not None:
        screenshot(name)
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_it_has_accessible_basics(live_server, page: Page, customer, screenshot):
    base = live_server.url

    page.goto(f"{base}/")
    _assert_accessible_basics(page)

    page.goto(f"{base}/accounts/login/")
    _assert_accessible_basics(page, screenshot, "login-skip-link-focused")

    _log_in(page, base, customer.email)
    expect(page).to_have_url(f"{base}/account/")
    page.goto(f"{base}/account/details/")
    _assert_accessible_basics(page)
