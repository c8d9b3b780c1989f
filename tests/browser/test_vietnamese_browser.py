"""#16's "Done when": a Vietnamese crawl in Chromium that finds no English.

The test-client crawl (tests/core/test_vietnamese_crawl.py) reads the HTML the server sends; this
one reads what Chromium shows once the page's scripts have run (the switches, the chooser, the
time-zone suggestion write text of their own), including the words only assistive technology reads
(aria-label, title, placeholder, alt, and buttons' values). Bảo, the demo customer who reads
Vietnamese, visits every page reachable from Your Account; a visitor whose browser asks for
Vietnamese visits the public entrance pages. Both compare what they read with the catalogue by the
same helper (tests/helpers/english.py). Each page is kept as a 390 px screenshot.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from apps.accounts.demo import CUSTOMER_EMAILS, DEMO_PASSWORD
from tests.browser.test_reflow import PUBLIC_START, _crawl
from tests.helpers.english import english_on, english_texts, report, seeded_data_texts
from tests.helpers.screenshots import path_slug, save_screenshot

pytestmark = pytest.mark.usefixtures("transactional_db")

PHONE = {"width": 390, "height": 844}

# What a reader sees or hears: each rendered text node (its element drawn on screen, or an option of
# a list), the page's title, and the attributes read aloud or shown as hints.
READ_TEXTS = """() => {
  const texts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!element || element.closest("script, style, template, noscript")) continue;
    const shown = element.closest("option") || element.checkVisibility({visibilityProperty: true});
    if (shown) texts.push(node.textContent);
  }
  texts.push(...document.body.innerText.split("\\n"));
  for (const element of document.querySelectorAll("[aria-label], [title], [placeholder], img[alt]")) {
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      if (element.hasAttribute(name)) texts.push(element.getAttribute(name));
    }
  }
  for (const button of document.querySelectorAll("input[type=submit], input[type=button]")) texts.push(button.value);
  return texts.map(t => t.split(/\\s+/).join(" ").trim()).filter(t => t);
}"""


def _english_seen(page: Page, base: str, paths: list[str], who: str, english: dict[str, bool]) -> dict[str, list]:
    data = seeded_data_texts()
    found = {}
    for path in paths:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")  # the scripts' own fetches (a switch's state) have answered
        expect(page.locator("html")).to_have_attribute("lang", "vi")
        save_screenshot(page, f"vietnamese-{who}--{path_slug(path)}")
        texts = english_on(page.evaluate(READ_TEXTS), english, inside=data)
        if texts:
            found[path] = sorted(set(texts))
    return found


@pytest.fixture
def demo() -> list[str]:
    """The demo data, and a public request's status and confirmation pages (an email links to them)."""
    from apps.subject_requests.services.intake import subject_request_create

    call_command("seed_demo", customers=0, quiet_logins=True)
    request, _ = subject_request_create(
        request_type="erasure", channel="web_form", actor=None, requester_email="khach@example.test", language="vi"
    )
    return [
        f"/requests/{request.reference}/status/",
        f"/requests/{request.reference}/confirm/",
        "/privacy-request/sent/",
        "/accounts/password/reset/done/",
    ]


def test_a_vietnamese_customer_sees_no_english_in_chromium(live_server, browser: Browser, demo):
    base = live_server.url
    english = english_texts()

    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    context.add_cookies([{"name": "django_language", "value": "vi", "url": base}])
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(CUSTOMER_EMAILS[1])
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(f"{base}/account/")
    paths = _crawl(page, base, ["/account/"])
    assert len(paths) >= 20, paths
    found = _english_seen(page, base, paths, "customer", english)
    context.close()

    visitor = browser.new_context(viewport=PHONE, locale="vi-VN", extra_http_headers={"Accept-Language": "vi"})
    page = visitor.new_page()
    public = _crawl(page, base, [*PUBLIC_START, *demo])
    assert {"/", "/accounts/login/", "/accounts/signup/", "/privacy-request/", *demo} <= set(public), public
    signed_out = _english_seen(page, base, public, "public", english)
    found |= {f"{path} (signed out)": texts for path, texts in signed_out.items()}
    visitor.close()

    assert not found, report(found, english)
