"""#16's "Done when" on a 390×844 phone: a new customer signs up, switches a marketing choice off with
the switch, files "Delete my data" through the plain-language chooser and follows its stepper. Each
page visited is kept as a 390 px screenshot; axe finds nothing on the chooser or the request page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from apps.accounts.models import User
from apps.consent.models import ConsentState
from apps.core.actors import SystemActor
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.services.workflow import subject_request_start
from tests.browser.accessibility import axe_violations
from tests.browser.test_account_phone_journey import PASSWORD, PHONE, _no_sideways_scroll
from tests.browser.test_customer_journey import _log_in
from tests.helpers.screenshots import save_screenshot

pytestmark = pytest.mark.usefixtures("transactional_db")


def _shot(page: Page, name: str) -> None:
    """The phone's screen at 390 px as a test artifact, after checking it does not scroll sideways."""
    _no_sideways_scroll(page)
    save_screenshot(page, f"rights-phone-journey--{name}")


def _open_section(page: Page, name: str) -> None:
    """On a phone the account menu is a section picker."""
    picker = page.locator(".account-picker")
    picker.locator("summary").click()
    picker.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def test_a_new_customer_deletes_their_data_through_the_chooser_on_a_phone(live_server, browser: Browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    base = live_server.url
    email = "rights.journey@example.test"

    # Sign up, with one marketing choice ticked.
    page.goto(f"{base}/accounts/signup/")
    page.locator("input[name=email]").fill(email)
    page.get_by_label("Full name").fill("Rosa Rights")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Password \(again\):?$")).fill(PASSWORD)
    page.get_by_role("group", name="News and offers (optional)").get_by_role("checkbox", name="Offers by email").check()
    _shot(page, "01-sign-up")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    _shot(page, "02-check-your-email")
    link = re.search(r"https?://[^\s\"'<>]+/accounts/confirm-email/[^\s\"'<>]+", mail.outbox[-1].body).group(0)
    page.goto(base + urlsplit(link).path)
    _shot(page, "03-confirm-email")
    page.get_by_role("button", name="Confirm").click()
    if urlsplit(page.url).path == "/accounts/login/":
        _log_in(page, base, email, PASSWORD)
    expect(page).to_have_url(f"{base}/account/")
    _shot(page, "04-overview")

    # Switch the marketing choice off with the switch.
    _open_section(page, "Privacy choices")
    switch = page.get_by_role("switch", name="Offers by email")
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(page.locator("#choice-marketing-email-saved")).to_have_text("Offers by email: turned off.")
    _shot(page, "05-privacy-choices-switched-off")
    user = User.objects.get(email=email)
    assert not ConsentState.objects.get(subject=user, purpose__code="marketing-email").granted

    # "Delete my data" through the chooser.
    _open_section(page, "Your requests")
    _shot(page, "06-your-requests")
    page.get_by_role("link", name="New request").click()
    expect(page.get_by_role("heading", level=2, name="Delete my data")).to_be_visible()
    delete = page.locator("#intent-delete")
    expect(delete).to_contain_text("We answer within 1 month (UK GDPR).")
    expect(delete.get_by_role("link", name="Delete account")).to_be_visible()
    expect(page.locator("#intent-stop").get_by_role("link", name="Privacy choices")).to_be_visible()
    _shot(page, "07-chooser")
    assert axe_violations(page) == []
    delete.get_by_role("link", name="Erase my data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase my data")
    _shot(page, "08-erase-my-data")
    page.get_by_role("button", name="Send request").click()
    # Filing needs the password again; allauth then replays the request.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    _shot(page, "09-password-again")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We received your request")
    _shot(page, "10-filed")
    request = SubjectRequest.objects.get(subject=user)
    assert (request.request_type, request.status) == ("erasure", SubjectRequest.Status.OPEN)

    # Follow its stepper: the same steps as the public status page, in plain words.
    page.get_by_role("link", name="All your requests").click()
    page.get_by_role("link", name=re.compile(request.short_reference)).click()
    # Titled in the chooser's words; the type's own name is the secondary text.
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete my data")
    expect(page.locator(".request-kind")).to_have_text("Erase my data")
    steps = page.locator("ol.progress-steps > li")
    expect(steps).to_have_count(4)
    expect(page.locator(".request-status")).to_have_text("Received: we're working on it")
    expect(page.locator("ol.progress-steps [aria-current=step]")).to_contain_text("We're working on it")
    expect(steps.nth(0)).to_contain_text("Received")
    expect(steps.nth(3)).to_contain_text("to come")
    _shot(page, "11-request-received")
    assert axe_violations(page) == []

    subject_request_start(request=request, actor=SystemActor("tests"))  # our privacy team starts on it
    page.reload()
    expect(page.locator(".request-status")).to_have_text("We're working on it")
    expect(page.locator("ol.progress-steps [aria-current=step]")).to_contain_text("We're working on it")
    expect(page.locator(".timeline")).to_contain_text("We're working on it")
    _shot(page, "12-request-in-progress")
    assert axe_violations(page) == []

    # The public status page shows the very same stepper.
    page.goto(f"{base}/requests/{request.reference}/status/")
    expect(page.locator("ol.progress-steps [aria-current=step]")).to_contain_text("We're working on it")
    _shot(page, "13-public-status")
    context.close()
