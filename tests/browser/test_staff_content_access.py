"""A support agent asks to see a customer's content, the customer approves, the agent opens the
customer's document, and the customer sees that look on their Staff access page (P-24, P-25);
after the customer ends the access the file no longer opens. In Debian's Chromium."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from apps.core.clock import organisation_today
from apps.disclosures.models import ContentAccessGrant, StaffAccessEvent
from apps.service_data.services.activity import call_record_create, usage_record
from apps.service_data.services.billing import invoice_issue, payment_record
from tests.browser.test_customer_journey import _current_totp, _log_in
from tests.factories import TEST_PASSWORD
from tests.helpers import ARTIFACTS
from tests.service_data.test_staff_access import LEASE, store_document

pytestmark = pytest.mark.usefixtures("transactional_db")


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"staff-content--{name}.png"), full_page=True)


def _staff_session(browser: Browser, base: str, staff) -> Page:
    page = browser.new_context().new_page()
    page.goto(f"{base}/accounts/login/?next=/admin/")
    page.get_by_label(re.compile(r"^Email:?$")).fill(staff.email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.locator("input[name=code]").fill(_current_totp(staff.totp_secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Privacy operations")).to_be_visible()
    return page


def test_an_agent_opens_a_customers_document_under_a_grant_and_the_customer_sees_it(
    live_server, browser: Browser, support_agent, customer
):
    base = live_server.url
    support_agent.full_name = "Sam Support"
    support_agent.save(update_fields=["full_name"])
    document = store_document(customer, title="Lease")
    content_page = base + reverse("admin:disclosures_staff_content", kwargs={"reference": customer.reference})
    file_page = base + reverse(
        "admin:service_data_staff_file", kwargs={"reference": customer.reference, "item": document.reference}
    )

    # The agent has no access yet: the page explains and offers the request form.
    agent = _staff_session(browser, base, support_agent)
    agent.goto(content_page)
    expect(agent.locator("#content")).not_to_contain_text("Lease")
    agent.get_by_label("Resolve a support issue").check()
    agent.get_by_label("Reason shown to the customer").fill("Your lease upload will not open")
    agent.get_by_label("Ticket or case reference").fill("T-2044")
    agent.get_by_role("button", name="Request access").click()
    expect(agent.locator(".messagelist")).to_contain_text("Request sent")
    assert agent.context.request.get(file_page).status == 403

    # The customer approves in Your Account → Staff access.
    customer_page = browser.new_context().new_page()
    _log_in(customer_page, base, customer.email)
    customer_page.goto(base + reverse("disclosures_access:customer"))
    expect(customer_page.locator("main")).to_contain_text("Your lease upload will not open")
    customer_page.get_by_role("button", name="Approve").click()
    expect(customer_page.locator("main")).to_contain_text("You approved the request")
    assert ContentAccessGrant.objects.get().status == ContentAccessGrant.Status.APPROVED

    # The agent sees the document and opens it: the bytes are the customer's.
    agent.goto(content_page)
    expect(agent.locator("#content")).to_contain_text("Lease")
    _shot(agent, "staff-page")
    link = agent.locator(f"a[href$='{document.reference}/']")
    with agent.context.expect_event("response", predicate=lambda r: "/files/" in r.url) as opened, agent.expect_popup():
        link.click()
    assert opened.value.status == 200
    assert opened.value.body() == LEASE
    events = StaffAccessEvent.objects.filter(kind="content_view", path__contains=str(document.reference))
    assert events.count() == 1

    # The customer sees which document was opened, and by whom.
    customer_page.goto(base + reverse("disclosures_access:customer"))
    looks = customer_page.locator("#events + .table-wrap")
    expect(looks).to_contain_text("Sam Support")
    expect(looks).to_contain_text("Opened your document “Lease”")
    _shot(customer_page, "customer-sees-the-look")

    # The customer ends the access: the file no longer opens, and nothing more is logged.
    customer_page.get_by_role("button", name="End access now").click()
    expect(customer_page.locator("main")).to_contain_text("Access ended")
    refused = agent.goto(file_page)
    assert refused is not None
    assert refused.status == 403
    expect(agent.locator("#content")).to_contain_text("no open access")
    assert events.count() == 1


def test_the_service_pages_reflow_on_a_phone(live_server, browser: Browser, customer):
    for i in range(3):
        usage_record(owner=customer, feature=f"feature-with-a-long-name-{i}", action="opened-from-the-home-screen")
        call_record_create(
            owner=customer,
            started_at=timezone.now(),
            direction="outgoing",
            other_party="+447700900123",
            duration_seconds=300 + i,
            cost="1.25",
        )
    store_document(customer)
    invoice = invoice_issue(
        customer=customer,
        description="Pro plan, monthly, with a long description that wraps",
        amount=Decimal("99000"),
        currency="VND",
        due_on=organisation_today() + timedelta(days=14),
        actor=customer,
    )
    payment_record(
        invoice=invoice,
        processor="stripe",
        processor_reference="pi_a_long_reference_from_the_processor_0123456789",
        amount=Decimal("50000"),
        currency="VND",
        status="succeeded",
        method_summary="Visa •••• 4242",
        actor=customer,
    )
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    _log_in(page, live_server.url, customer.email)
    pages = ["service_data:overview", "service_data:usage", "service_data:calls", "service_data:content"]
    pages += ["service_data:billing", ("service_data:invoice", invoice.reference)]
    for name in pages:
        name, *args = name if isinstance(name, tuple) else (name,)
        page.goto(live_server.url + reverse(name, args=args))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px wider than the phone"
        # Tables reflow into labelled rows rather than squeeze or scroll their columns.
        displays = page.evaluate(
            "[...document.querySelectorAll('table.reflow td')].map(td => getComputedStyle(td).display)"
        )
        assert set(displays) <= {"block"}, f"{name}: cells shown as {set(displays)}"
    assert displays, "the calls page has a table"
    _shot(page, "calls-on-a-phone")
