"""Reflow (WCAG 1.4.10): no customer or public page scrolls sideways on a phone or a tablet.

Chromium visits every page a demo customer with data can reach from Your Account (found by
following the links, so a page added later is checked without listing it here) and every
public page a visitor reaches, at 320, 390 and 768 px, and fails on any page whose document
is wider than the screen. Each page is saved as a screenshot at 390 px (tests/helpers/paths.py
says where; .ci/run prints it).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from apps.accounts.demo import CUSTOMER_EMAILS, DEMO_PASSWORD
from tests.helpers.screenshots import path_slug, save_screenshot

pytestmark = pytest.mark.usefixtures("transactional_db")

WIDTHS = (320, 390, 768)
SCREENSHOT_WIDTH = 390

# Where a crawl may go: the customer's and the public pages. Not the admin (staff), not files
# (downloads, pictures, CSV), not sign-out or another provider's sign-in.
PAGE_PREFIXES = (
    "/account/",
    "/accounts/",
    "/u/",
    "/privacy-policy/",
    "/cookies/",
    "/privacy-request/",
    "/requests/",
    "/unsubscribe/",
)
SKIP = re.compile(
    r"/download/|/picture/$|/avatar/$|\.csv$|\.json$|/logout/|/accounts/(google|facebook)/|/accounts/social/login/"
)
PUBLIC_START = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/privacy-request/",
    "/privacy-policy/",
    "/privacy-policy/versions/",
    "/cookies/",
    "/u/alice/",
]
MAX_PAGES = 150


def _same_site_links(page: Page) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(PAGE_PREFIXES) and not SKIP.search(parts.path):
            paths.append(parts.path)  # one page however it is asked for (?next=, ?page=)
    return paths


def _crawl(page: Page, base: str, start: list[str]) -> list[str]:
    """Every page reachable from ``start`` by links, in the order first found."""
    seen: list[str] = []
    queue = list(start)
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        response = page.goto(base + path)
        if response is None or response.status >= 400 or urlsplit(page.url).path != urlsplit(path).path:
            continue  # a redirect elsewhere (asked for a password again) or a page not for this visitor
        seen.append(path)
        queue += [link for link in _same_site_links(page) if link not in seen]
    assert len(seen) < MAX_PAGES, "the crawl stopped at its limit: raise MAX_PAGES so no page goes unchecked"
    return seen


def _overflow(page: Page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")


def _check(page: Page, base: str, paths: list[str], who: str) -> list[str]:
    too_wide = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 844})
        for path in paths:
            page.goto(base + path)
            scroll, client = _overflow(page)
            if scroll > client:
                too_wide.append(f"{path} at {width} px: {scroll} > {client}")
            if width == SCREENSHOT_WIDTH:
                save_screenshot(page, f"reflow-{who}--{path_slug(path)}")
    return too_wide


@pytest.fixture
def demo() -> list[str]:
    """The demo data, and the public pages only an email links to (status, confirmation,
    unsubscribe) or a form leads to."""
    from apps.accounts.models import User
    from apps.consent.domain.marketing import unsubscribe_token
    from apps.consent.models import Purpose
    from apps.subject_requests.services.intake import subject_request_create

    call_command("seed_demo", customers=2, quiet_logins=True)
    request, _ = subject_request_create(
        request_type="erasure", channel="web_form", actor=None, requester_email="visitor@example.test"
    )
    alice = User.objects.get(email=CUSTOMER_EMAILS[0])
    token = unsubscribe_token(alice, Purpose.objects.get(code="newsletter"))
    return [
        f"/requests/{request.reference}/status/",
        f"/requests/{request.reference}/confirm/",
        f"/unsubscribe/{token}/",
        "/privacy-request/sent/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/",
    ]


def test_no_customer_page_scrolls_sideways(live_server, browser: Browser, demo):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(re.compile(r"^Email:?$")).fill(CUSTOMER_EMAILS[0])
    page.get_by_label(re.compile(r"^Password:?$")).fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    paths = _crawl(page, base, ["/account/", *PUBLIC_START[1:]])
    # The crawl really went round Your Account: every section of the menu, and pages below them.
    menu = page.eval_on_selector_all(".account-nav a", "links => links.map(a => a.getAttribute('href'))")
    assert set(menu) <= set(paths), set(menu) - set(paths)
    assert any(path.startswith("/account/requests/") and path.count("/") > 4 for path in paths), paths
    assert len(paths) >= 20, paths
    assert _check(page, base, paths, "customer") == []
    context.close()


def test_no_public_page_scrolls_sideways(live_server, browser: Browser, demo):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    base = live_server.url
    paths = _crawl(page, base, PUBLIC_START + demo)
    assert {"/", "/accounts/login/", "/accounts/signup/", "/privacy-request/", "/cookies/", *demo} <= set(paths)
    assert _check(page, base, paths, "public") == []
    context.close()
