"""A customer's consent journey in Chromium: sign up with marketing unticked, opt in, receive a
marketing email, unsubscribe with one click as a mail provider would, see the change and its history."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.consent.mailing.queue import mailing_queue
from apps.consent.mailing.send import mailing_send
from apps.consent.models import ConsentEvent, ConsentState, Purpose, Suppression
from apps.consent.services.marketing import campaign_create
from apps.personal_data.domain import address_hash
from tests.browser.test_customer_journey import _log_in
from tests.helpers import make_staff

pytestmark = pytest.mark.usefixtures("transactional_db")

PASSWORD = "harbour-lantern-quill-58"


def test_sign_up_unticked_opt_in_receive_and_unsubscribe_in_one_click(live_server, page: Page, playwright, screenshot):
    from apps.accounts.domain import PRIVACY_OFFICER

    base = live_server.url
    email = "consent.journey@example.test"
    page.goto(f"{base}/accounts/signup/")
    boxes = page.locator("input[type=checkbox][name^=consent_]")
    expect(boxes).to_have_count(5)
    for index in range(5):
        expect(boxes.nth(index)).not_to_be_checked()
    page.locator("input[name=email]").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Password \(again\):?$")).fill(PASSWORD)
    screenshot("01-signup-unticked")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    user = User.objects.get(email=email)
    assert not ConsentState.objects.filter(subject=user, granted=True).exists()
    assert ConsentEvent.objects.filter(subject=user, method="signup").count() == 5

    # Verify the address from the email, then sign in.
    link = re.search(r"https?://[^\s\"'<>]+/accounts/confirm-email/[^\s\"'<>]+", mail.outbox[-1].body).group(0)
    page.goto(base + urlsplit(link).path)
    page.get_by_role("button", name="Confirm").click()
    if urlsplit(page.url).path == "/accounts/login/":
        _log_in(page, base, email, PASSWORD)

    # Opt in to the newsletter on Your Account -> Privacy choices.
    page.goto(f"{base}/account/privacy-choices/")
    switch = page.get_by_role("switch", name="Newsletter")
    expect(switch).to_have_attribute("aria-checked", "false")
    switch.click()
    expect(page.locator("#choice-newsletter-saved")).to_have_text("Newsletter: turned on.")
    expect(switch).to_have_attribute("aria-checked", "true")
    screenshot("02-opted-in")

    # An officer's campaign reaches them (the worker's service, run here) with one-click headers.
    officer = make_staff("journey.officer@example.test", PRIVACY_OFFICER)
    campaign = campaign_create(
        purpose=Purpose.objects.get(code="newsletter"),
        subject_line="Our journey newsletter",
        body="News for you.",
        actor=officer,
    )
    mailing_queue(mailing=campaign, actor=officer)
    mail.outbox.clear()
    mailing_send(mailing_id=campaign.pk)
    [message] = mail.outbox
    assert message.to == [email]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https_link = re.match(r"<([^>]+)>", message.extra_headers["List-Unsubscribe"]).group(1)

    # The mail provider's one-click POST: no cookies, no CSRF token, just the RFC 8058 body.
    provider = playwright.request.new_context()
    response = provider.post(
        base + urlsplit(https_link).path,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 200
    provider.dispose()
    assert Suppression.objects.filter(address_hash=address_hash(email), channel="email").exists()

    # The customer sees the change, and its history.
    page.goto(f"{base}/account/privacy-choices/")
    expect(page.get_by_role("switch", name="Newsletter")).to_have_attribute("aria-checked", "false")
    expect(page.locator("#choice-newsletter")).to_contain_text("Off")
    expect(page.locator("#choice-newsletter")).to_contain_text("One-click unsubscribe")
    page.get_by_role("link", name="History of your choices").click()
    rows = page.locator("table tbody tr")
    expect(rows.first).to_contain_text("One-click unsubscribe")
    expect(rows.nth(1)).to_contain_text("Your Account page")
    screenshot("03-history")
