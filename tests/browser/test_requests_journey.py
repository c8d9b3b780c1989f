"""Data-subject requests in Chromium (P-30, P-31): a customer objects from Your Account and finds the request
in "Your requests"; someone without an account uses the public form, confirms from the email, and follows
the status page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import formats
from playwright.sync_api import Page, expect

from apps.subject_requests.models import SubjectRequest
from tests.browser.test_customer_journey import _log_in
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.usefixtures("transactional_db")


def _path(page: Page) -> str:
    return urlsplit(page.url).path


def test_a_customer_objects_to_marketing_from_your_account(live_server, page: Page, screenshot):
    base = live_server.url
    customer = UserFactory(email="objecting@example.test", full_name="Olive Objecting")
    _log_in(page, base, customer.email)
    expect(page).to_have_url(re.compile(r"/account/$"))

    page.locator("nav.account-nav").get_by_role("link", name="Your requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your requests")
    expect(page.locator("main")).to_contain_text("You have not made any requests yet.")
    page.get_by_role("link", name="New request").click()
    page.get_by_role("link", name="Object to a use, such as marketing").click()  # "Stop a use of my data"
    expect(page.get_by_role("heading", level=1)).to_have_text("Object to processing")
    expect(page.locator("main")).to_contain_text("An objection to direct marketing takes effect at once")
    screenshot("01-objection-form")

    uses = page.get_by_role("group", name="Which uses of your data?")
    uses.get_by_label("Offers by email (direct marketing)").check()
    page.get_by_label("Anything else we should know (optional)").fill("Please stop the offer emails.")
    page.get_by_role("button", name="Send request").click()
    # Filing needs the password again (a sign-in is not a re-authentication); allauth then replays it.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("We received your request")
    request = SubjectRequest.objects.get(subject=customer)
    assert request.scope == {"purposes": ["marketing-email"]}
    assert request.details == "Please stop the offer emails."
    assert (request.channel, request.verification_method) == ("account", "signed_in")
    expect(page.locator(".filed-reference")).to_have_text(request.short_reference)
    expect(page.locator(".filed-due")).to_have_text(formats.date_format(request.deadline_on, "DATE_FORMAT"))
    screenshot("02-filed")

    page.get_by_role("link", name="All your requests").click()
    row = page.locator("table.requests tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(request.short_reference)
    # In the chooser's words, the choice made as secondary text.
    expect(row).to_contain_text("Stop a use of my data")
    expect(row).to_contain_text("Object to a use, such as marketing")
    row.get_by_role("link", name=re.compile(request.short_reference)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stop a use of my data")
    expect(page.locator(".request-kind")).to_have_text("Object to a use, such as marketing (Object to processing)")
    expect(page.locator(".request-reference")).to_have_text(request.short_reference)
    screenshot("03-detail")


def test_someone_without_an_account_files_confirms_and_follows_a_request(live_server, page: Page, screenshot):
    base = live_server.url
    page.goto(f"{base}/")
    page.locator("footer").get_by_role("link", name="Make a privacy request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a privacy request")
    page.get_by_label("Your email address").fill("walk-in@example.test")
    page.get_by_label("Your full name").fill("Wren Walk-in")
    page.get_by_role("radio", name="A copy to read").check()  # "Get a copy of my data"
    page.get_by_label("Which law should apply? (optional)").select_option("eu")
    page.get_by_label("Details (optional)").fill("I used the shop's Wi-Fi sign-in in 2023.")
    screenshot("01-public-form")
    page.get_by_role("button", name="Send request").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    request = SubjectRequest.objects.get(requester_email="walk-in@example.test")
    assert request.status == SubjectRequest.Status.AWAITING_VERIFICATION
    assert request.jurisdiction.code == "eu"
    [message] = mail.outbox
    assert message.to == ["walk-in@example.test"]
    link = re.search(r"https?://\S+/requests/[0-9a-f-]+/confirm/\?code=\w+", message.body).group(0)
    code = link.rsplit("=", 1)[1]

    # Opening the link (as a mail scanner would) confirms nothing: the button does.
    split = urlsplit(link)
    page.goto(f"{base}{split.path}?{split.query}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your request")
    expect(page.get_by_label("Confirmation code")).to_have_value(code)
    request.refresh_from_db()
    assert request.status == SubjectRequest.Status.AWAITING_VERIFICATION
    screenshot("02-confirm")
    page.get_by_role("button", name="Confirm my request").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Request status")
    assert _path(page) == f"/requests/{request.reference}/status/"
    expect(page.get_by_role("status")).to_contain_text("your request is confirmed and received")
    request.refresh_from_db()
    assert request.status == SubjectRequest.Status.OPEN
    expect(page.locator(".request-reference")).to_have_text(request.short_reference)
    expect(page.locator(".request-status")).to_have_text("Received: we're working on it")
    expect(page.locator(".request-due")).to_have_text(formats.date_format(request.deadline_on, "DATE_FORMAT"))
    expect(page.locator("ol.progress-steps [aria-current=step]")).to_contain_text("We're working on it")
    expect(page.locator("main")).not_to_contain_text("walk-in@example.test")
    expect(page.locator("main")).not_to_contain_text("Wren")
    screenshot("03-status")


def test_the_public_form_shows_the_timing_of_the_law_picked(live_server, page: Page, screenshot):
    from apps.subject_requests.models import Jurisdiction

    page.goto(f"{live_server.url}/privacy-request/")
    times = page.locator("#intent-delete .intent-times li")
    laws = Jurisdiction.objects.with_rules().count()
    expect(times.locator("visible=true")).to_have_count(laws)  # none picked: each law's

    page.get_by_label("Which law should apply? (optional)").select_option("vn")
    expect(times.locator("visible=true")).to_have_count(1)
    vietnam = Jurisdiction.objects.get(code="vn")
    expect(times.locator("visible=true")).to_have_text(re.compile(re.escape(f"({vietnam.name}).")))
    screenshot("public-form-law-picked")

    page.get_by_label("Which law should apply? (optional)").select_option("")
    expect(times.locator("visible=true")).to_have_count(laws)
    # The browser's zone goes with the form, for the confirmation email's expiry.
    expect(page.locator("input[name=time_zone]")).to_have_value(re.compile(r"^[A-Za-z_/+-]+$"))
