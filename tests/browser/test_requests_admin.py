"""An officer works subject requests in the admin, in Debian's Chromium: records a phone request,
finds it under "due soon", assigns it, sends the subject a message, and rejects another request
with a reason; the subjects see the status and the message in Your requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from apps.core.clock import organisation_time
from apps.subject_requests.models import RequestMessage, SubjectRequest
from apps.subject_requests.services.intake import subject_request_create
from tests.browser.test_disclosures_journey import _officer_session
from tests.helpers import ARTIFACTS, sign_in

pytestmark = pytest.mark.usefixtures("transactional_db")


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"requests-admin--{name}.png"), full_page=True)


def test_an_officer_records_assigns_messages_and_rejects(
    live_server, browser: Browser, officer, customer, other_customer
):
    base = live_server.url
    customer.country = other_customer.country = "GB"
    customer.save()
    other_customer.save()
    # Another request, received today: not due soon; the officer will reject it.
    to_reject, _ = subject_request_create(
        request_type="erasure",
        channel="email",
        actor=None,
        subject=other_customer,
        verification_method="officer",
        verification_note="Wrote from the account's address",
    )

    page = _officer_session(browser, base, officer)

    # Record a phone request received 27 days ago: a month under UK GDPR, so it is due within the week.
    page.goto(f"{base}/admin/subject_requests/subjectrequest/")
    page.get_by_role("link", name="Add subject request").click()
    expect(page.get_by_role("heading", name="Record a request received by email, phone or letter")).to_be_visible()
    page.get_by_label("Type").select_option("complaint")
    page.get_by_label("Received by").select_option("phone")
    page.get_by_label("Account email").fill(customer.email)
    received = organisation_time() - timedelta(days=27)
    page.get_by_label("Received at").fill(received.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Identity checked by").select_option("account_questions")
    page.get_by_label("Identity evidence").fill("Passport 123456789 checked")
    page.get_by_label("Details").fill("Calls were logged against the wrong account")
    page.get_by_role("button", name="Record the request").click()
    # A document number is refused with a clear message, and nothing is filed.
    expect(page.locator(".field-identity_note .errorlist")).to_contain_text("long number")
    assert not SubjectRequest.objects.filter(subject=customer).exists()
    page.get_by_label("Identity evidence").fill("Answered the date of sign-up and the last top-up")
    _shot(page, "intake")
    page.get_by_role("button", name="Record the request").click()
    expect(page.locator(".messagelist")).to_contain_text("recorded")
    phoned = SubjectRequest.objects.get(subject=customer)
    assert (phoned.channel, phoned.status, phoned.jurisdiction.code) == ("phone", "open", "uk")

    # The list, filtered to requests due soon: only the phone request.
    page.goto(f"{base}/admin/subject_requests/subjectrequest/")
    page.locator("#changelist-filter a[href*='due_soon=yes']").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(phoned.short_reference)
    expect(rows.first.locator(".clock")).to_contain_text("days left")
    _shot(page, "due-soon")

    # Assign it to oneself through the bulk action's page.
    rows.first.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("assign_to")
    page.locator("#changelist-form button[name=index]").click()
    expect(page.locator("#assign-requests")).to_contain_text(phoned.short_reference)
    page.get_by_label("Assign to").select_option(label=officer.email)
    page.get_by_role("button", name="Assign").click()
    expect(page.locator(".messagelist")).to_contain_text(f"1 request(s) assigned to {officer.email}")

    # Open it: the summary, the clock, and a message to the subject.
    page.get_by_role("link", name=phoned.short_reference).click()
    expect(page.locator("#request-assignee")).to_have_text(officer.email)
    expect(page.locator("#request-clock")).to_contain_text("days left")
    expect(page.locator("#request-timeline")).to_contain_text("Request received")
    page.locator("#message-form textarea").fill("Thank you for calling. We are looking into the call log now.")
    page.get_by_role("button", name="Send to the subject").click()
    expect(page.locator(".messagelist")).to_contain_text("Message sent to the subject")
    expect(page.locator("#request-timeline")).to_contain_text("We are looking into the call log now.")
    _shot(page, "request")

    # Reject the other request, with a reason, after the confirmation page names the authority.
    page.goto(f"{base}/admin/subject_requests/subjectrequest/")
    page.locator("#searchbar").fill(to_reject.short_reference)
    page.locator("#searchbar").press("Enter")
    page.get_by_role("link", name=to_reject.short_reference).click()
    page.locator("#request-steps a[data-step=reject]").click()
    expect(page.locator("#reject-warning")).to_contain_text("right to complain to Information Commissioner")
    expect(page.locator("textarea[name=reason]")).to_have_attribute("required", "")
    page.locator("textarea[name=reason]").fill("We must keep these records for six years under tax law.")
    _shot(page, "reject")
    page.get_by_role("button", name="Yes: Reject…").click()
    expect(page.locator("#request-status")).to_have_text("Rejected")
    expect(page.locator("#request-steps")).to_have_count(0)

    # What the subjects see.
    phoned.refresh_from_db()
    to_reject.refresh_from_db()
    assert phoned.assignee == officer
    assert to_reject.status == SubjectRequest.Status.REJECTED
    assert to_reject.rejection_reason == "We must keep these records for six years under tax law."
    message = RequestMessage.objects.get(request=phoned, kind=RequestMessage.Kind.TO_SUBJECT)
    assert message.author == officer
    customer_page = sign_in(Client(), customer).get(reverse("subject_requests:detail", args=[phoned.reference]))
    assert "We are looking into the call log now." in customer_page.content.decode()
    other_page = sign_in(Client(), other_customer).get(reverse("subject_requests:detail", args=[to_reject.reference]))
    body = other_page.content.decode()
    assert "We could not do this" in body  # the customer's words for a rejected request
    assert "six years under tax law" in body
