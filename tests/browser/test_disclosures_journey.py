"""An ordinary and a compelled disclosure recorded in the admin as officers would, and what
the customer then sees in Your Account (P-21, P-22), in Debian's Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from apps.core.clock import organisation_today
from apps.disclosures.models import CompelledRequest, Disclosure
from apps.disclosures.selectors.register import verify_chain
from tests.browser.test_customer_journey import _current_totp, _log_in
from tests.disclosures.factories import RecipientFactory
from tests.factories import TEST_PASSWORD
from tests.helpers import make_staff
from tests.helpers.screenshots import save_screenshot

pytestmark = pytest.mark.usefixtures("transactional_db")


def _shot(page: Page, name: str) -> None:
    save_screenshot(page, f"disclosures--{name}")


def _officer_session(browser: Browser, base: str, officer) -> Page:
    page = browser.new_context().new_page()
    page.goto(f"{base}/accounts/login/?next=/admin/")
    page.get_by_label(re.compile(r"^Email:?$")).fill(officer.email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.locator("input[name=code]").fill(_current_totp(officer.totp_secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Privacy operations")).to_be_visible()
    return page


def test_it_records_disclosures_in_the_admin_and_shows_them_to_the_customer(
    live_server, browser: Browser, officer, customer
):
    base = live_server.url
    processor = RecipientFactory(name="Mailing House Ltd", category="processor", country="GB")
    court = RecipientFactory(
        name="Example Crown Court", category="court", country="GB", agreement="none", agreement_reference=""
    )
    today = organisation_today().isoformat()

    # An ordinary disclosure, recorded by the first officer.
    first = _officer_session(browser, base, officer)
    first.goto(f"{base}/admin/disclosures/disclosure/add/")
    first.locator("select[name=recipient]").select_option(label=processor.name)
    first.locator("textarea[name=subject_emails]").fill(customer.email)
    first.get_by_label("Contact details").check()
    first.locator("textarea[name=description]").fill("Postal address for the March catalogue mailing")
    first.locator("input[name=disclosed_at_0]").fill(today)
    first.locator("input[name=disclosed_at_1]").fill("09:30:00")
    first.locator("textarea[name=reason]").fill("Sending the catalogue the customer ordered")
    first.locator("select[name=legal_basis]").select_option("contract")
    first.locator("input[name=_save]").click()
    expect(first.locator(".messagelist")).to_contain_text("added")
    _shot(first, "register-after-ordinary")

    # A compelled disclosure: received by the first officer...
    first.goto(f"{base}/admin/disclosures/compelledrequest/add/")
    first.locator("select[name=recipient]").select_option(label=court.name)
    first.locator("input[name=requested_by]").fill("Clerk to the Court")
    first.locator("input[name=authority]").fill("Production order under the fraud act")
    first.locator("input[name=external_reference]").fill("PO-2026-0042")
    first.locator("textarea[name=subject_emails]").fill(customer.email)
    first.get_by_label("Usage").check()
    first.locator("textarea[name=data_requested]").fill("Login times for March")
    first.locator("input[name=withhold_from_subjects]").check()
    first.locator("textarea[name=withheld_reason]").fill("The order forbids telling the account holder")
    first.locator("input[name=_save]").click()
    expect(first.locator(".messagelist")).to_contain_text("added")
    compelled = CompelledRequest.objects.get()
    # ...who may not approve it himself.
    first.goto(f"{base}/admin/disclosures/compelledrequest/{compelled.pk}/change/")
    expect(first.get_by_role("link", name="Approve…")).to_have_count(0)

    # ...and approved by a second officer (four eyes).
    second_officer = make_staff("second-officer@example.test", "Privacy officer")
    second = _officer_session(browser, base, second_officer)
    second.goto(f"{base}/admin/disclosures/compelledrequest/{compelled.pk}/change/")
    second.get_by_role("link", name="Approve…").click()
    second.locator("textarea[name=description]").fill("Login times for March 2026")
    second.locator("input[name=disclosed_at_0]").fill(today)
    second.locator("input[name=disclosed_at_1]").fill("11:00:00")
    _shot(second, "approve-form")
    second.locator("form [type=submit]").last.click()
    compelled.refresh_from_db()
    assert compelled.status == CompelledRequest.Status.APPROVED
    assert compelled.decided_by == second_officer
    assert Disclosure.objects.count() == 2
    assert verify_chain() == (2, None)

    # The customer sees the ordinary disclosure and only a notice for the withheld one.
    page = browser.new_context().new_page()
    _log_in(page, base, customer.email)
    page.goto(f"{base}/account/disclosures/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Mailing House Ltd")
    expect(page.locator("main")).to_contain_text("Postal address for the March catalogue mailing")
    expect(page.locator("main")).to_contain_text("The order forbids telling the account holder")
    expect(page.locator("main")).not_to_contain_text("Example Crown Court")
    expect(page.locator("main")).not_to_contain_text("Login times")
    _shot(page, "customer-disclosure-records")
