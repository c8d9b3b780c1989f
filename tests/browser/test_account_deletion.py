"""Deleting an account in Chromium: read what it means, confirm with the password, land signed out on the
confirmation; signing in again within the grace period cancels the deletion (P-32)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import formats
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.retention.models import AccountDeletion, RetentionRule
from tests.browser.test_customer_journey import _log_in
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.usefixtures("transactional_db")


def _path(page: Page) -> str:
    return urlsplit(page.url).path


def test_delete_account_then_sign_in_to_cancel(live_server, page: Page, screenshot):
    base = live_server.url
    customer = UserFactory(email="leaving@example.test", full_name="Lee Leaving")
    _log_in(page, base, customer.email)
    expect(page).to_have_url(re.compile(r"/account/$"))

    # Your Account → Delete account: the consequences, spelled out.
    page.locator("nav.account-nav").get_by_role("link", name="Delete account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete account")
    expect(page.get_by_role("heading", name="What happens at once")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^What we erase on \d{1,2} \w{3} \d{4}$"))).to_be_visible()
    kept = page.locator("dl.kept-records")
    expect(kept).to_contain_text(RetentionRule.objects.get(code="consent-evidence").title_en)
    expect(kept).to_contain_text(RetentionRule.objects.get(code="closed-account-records").title_en)
    screenshot("01-consequences")

    # The first confirmation asks for the password again (a sign-in is not a re-authentication);
    # allauth then replays the request, which, without the box ticked, changes nothing.
    page.get_by_role("button", name="Delete my account").click()
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next=%2Faccount%2Fdelete%2F$"))
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_contain_text("Tick the box to confirm")
    assert not AccountDeletion.objects.exists()

    page.get_by_label(re.compile("I understand that my account will be closed")).check()
    page.get_by_role("button", name="Delete my account").click()
    if _path(page) == "/accounts/reauthenticate/":  # asked again if the password was given too long ago
        page.locator("input[name=password]").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Confirm").click()

    # Signed out, on the confirmation page, with the reference and the date.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account will be deleted")
    assert _path(page) == "/account/deleted/"
    deletion = AccountDeletion.objects.get(subject=customer)
    expect(page.locator(".deletion-reference")).to_have_text(str(deletion.reference))
    # In the customer's zone (the factory's country, GB) and the English format, though signed out now.
    local = deletion.erase_after.astimezone(ZoneInfo("Europe/London"))
    expect(page.locator("main")).to_contain_text(formats.date_format(local, "DATETIME_FORMAT"))
    expect(page.locator(".site-nav").get_by_role("link", name="Sign in")).to_be_visible()
    screenshot("02-scheduled")
    customer.refresh_from_db()
    assert customer.status == User.Status.CLOSED
    assert mail.outbox[-1].subject == "[Privacy Portal] Your account will be deleted"
    page.goto(f"{base}/account/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    # Changed their mind: signing in within the grace period cancels the deletion.
    _log_in(page, base, customer.email)
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.get_by_role("status")).to_contain_text("Your account deletion was cancelled")
    screenshot("03-cancelled")
    deletion.refresh_from_db()
    customer.refresh_from_db()
    assert deletion.status == AccountDeletion.Status.CANCELLED
    assert customer.status == User.Status.ACTIVE
    assert mail.outbox[-1].subject == "[Privacy Portal] Your account will not be deleted"
    page.locator("nav.account-nav").get_by_role("link", name="Delete account").click()
    expect(page.get_by_role("button", name="Delete my account")).to_be_visible()
