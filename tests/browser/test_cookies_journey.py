"""Cookie consent in a real Chromium: no tracking cookie before consent, the banner's two
equal answers, the settings page, and Global Privacy Control (P-13)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from apps.consent.models import ConsentEvent, Purpose
from apps.consent.services.install import install_data_seed
from tests.helpers import ARTIFACTS

pytestmark = pytest.mark.usefixtures("transactional_db")

TRACKING = {"pp_analytics", "pp_campaign"}


@pytest.fixture
def cookie_categories(transactional_db):
    # A transactional test before this one may have flushed the rows the seed migration made.
    if not Purpose.objects.filter(kind=Purpose.Kind.COOKIES).exists():
        install_data_seed()


def _names(context: BrowserContext) -> set[str]:
    return {cookie["name"] for cookie in context.cookies()}


def _banner(page: Page):
    return page.get_by_role("region", name="Cookies on this site")


def test_it_sets_tracking_cookies_only_after_consent(
    live_server, page: Page, browser: Browser, cookie_categories, screenshot
):
    base = live_server.url
    page.goto(f"{base}/?utm_campaign=spring")
    banner = _banner(page)
    expect(banner).to_be_visible()
    assert not _names(page.context) & TRACKING
    screenshot("01-banner")

    # The two answers weigh the same: same size, same colours.
    accept = banner.get_by_role("button", name="Accept all")
    reject = banner.get_by_role("button", name="Reject all")
    accept_box, reject_box = accept.bounding_box(), reject.bounding_box()
    assert (round(accept_box["width"]), round(accept_box["height"])) == (
        round(reject_box["width"]),
        round(reject_box["height"]),
    )
    style = "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color, getComputedStyle(e).fontSize]"
    assert accept.evaluate(style) == reject.evaluate(style)
    expect(banner.get_by_role("link", name="Choose…")).to_be_visible()

    # Reachable from the keyboard, in the page's own order (no trap: Tab moves on past it).
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Reject all":
            break
    else:
        pytest.fail("Reject all was never reached with Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Choose…"
    page.keyboard.press("Tab")
    assert page.evaluate("!document.activeElement.closest('#cookie-banner')")

    reject.click()
    expect(_banner(page)).to_have_count(0)
    assert page.url == f"{base}/?utm_campaign=spring"
    assert "pp_consent" in _names(page.context)
    assert not _names(page.context) & TRACKING
    screenshot("02-after-reject")

    page.goto(f"{base}/cookies/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cookie settings")
    expect(page.get_by_role("table", name="Cookies: Statistics cookies")).to_contain_text("pp_analytics")
    statistics = page.get_by_label("Allow Statistics cookies")
    expect(statistics).not_to_be_checked()
    statistics.check()
    screenshot("03-settings")
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_role("status")).to_contain_text("Your cookie choices are saved.")
    expect(page.get_by_label("Allow Statistics cookies")).to_be_checked()
    page.reload()
    assert "pp_analytics" in _names(page.context)
    assert "pp_campaign" not in _names(page.context)
    screenshot("04-statistics-accepted")

    # Control for the GPC check below: without the header, accepting all lets pp_campaign in.
    page.get_by_role("button", name="Accept all").click()
    page.goto(f"{base}/?utm_campaign=x")
    assert "pp_campaign" in _names(page.context)

    # Global Privacy Control, in a browser with JavaScript off (the banner needs none).
    gpc_context = browser.new_context(extra_http_headers={"Sec-GPC": "1"}, java_script_enabled=False)
    try:
        gpc_page = gpc_context.new_page()
        gpc_page.goto(f"{base}/")
        expect(_banner(gpc_page)).to_contain_text("Global Privacy Control")
        _banner(gpc_page).get_by_role("button", name="Accept all").click()
        expect(_banner(gpc_page)).to_have_count(0)
        gpc_page.goto(f"{base}/?utm_campaign=x")
        names = _names(gpc_context)
        assert "pp_campaign" not in names
        assert "pp_analytics" in names
        gpc_page.goto(f"{base}/cookies/")
        marketing = gpc_page.locator("#category-marketing")
        expect(marketing).to_contain_text("Global Privacy Control honoured")
        expect(gpc_page.get_by_label("Allow Marketing cookies")).to_be_disabled()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        gpc_page.screenshot(path=str(ARTIFACTS / "cookies--05-gpc-settings.png"), full_page=True)
    finally:
        gpc_context.close()
    assert ConsentEvent.objects.filter(method=ConsentEvent.Method.GPC, purpose__code="cookies-marketing").count() == 1
