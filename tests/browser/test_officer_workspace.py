"""The officer's workspace in Debian's Chromium (issue 15's "done when"):

- an officer starts at the privacy-operations home, follows the overdue counter to the request,
  assigns it to themself, carries it out (the worker erases), and opens its certificate summary;
- another officer opens a customer's subject page, places a legal hold and starts an erasure from
  there, and reads the certificate: what the hold kept, in words.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from apps.core.clock import organisation_today
from apps.personal_data.models import ErasureRun
from apps.retention.models import LegalHold
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.services.intake import subject_request_create
from tests.browser.test_disclosures_journey import _officer_session
from tests.factories import LoginEventFactory
from tests.helpers import ARTIFACTS

pytestmark = pytest.mark.usefixtures("transactional_db")


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"officer-workspace--{name}.png"), full_page=True)


def _wait_for(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError("the worker did not finish in time")


def test_an_officer_follows_the_overdue_counter_takes_the_request_and_reads_its_certificate(
    live_server, browser: Browser, officer, customer, celery_worker_process
):
    base = live_server.url
    customer.country = "GB"
    customer.save()
    LoginEventFactory.create_batch(2, user=customer)
    overdue, _ = subject_request_create(
        request_type="erasure",
        channel="email",
        actor=None,
        subject=customer,
        received_at=timezone.now() - timedelta(days=45),
        verification_method="officer",
        verification_note="Wrote from the account's address",
    )

    page = _officer_session(browser, base, officer)
    page.set_viewport_size({"width": 1366, "height": 900})
    tile = page.locator("#tile-deadlines")
    expect(tile).to_contain_text("1 overdue")
    _shot(page, "home")
    tile.get_by_role("link", name="1 overdue").click()

    # The list behind the number: the one overdue request, its deadline in view at 1366 px.
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    deadline_cell = page.locator("#result_list tbody tr td.field-clock_display")
    expect(deadline_cell).to_contain_text("overdue")
    box = deadline_cell.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 1366
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # no sideways scrolling
    _shot(page, "queue")
    page.get_by_role("link", name=overdue.short_reference).click()

    page.get_by_role("button", name="Assign to me").click()
    expect(page.locator(".messagelist")).to_contain_text("You are now the request's assignee")
    expect(page.locator("#request-assignee")).to_have_text(officer.email)

    # Carry it out: the worker erases the account and completes the request.
    page.locator("[data-step=start]").click()
    page.get_by_role("button", name="Start").click()
    _wait_for(lambda: SubjectRequest.objects.filter(pk=overdue.pk, status="completed").exists(), timeout=90)
    page.reload()
    expect(page.locator("#request-status")).to_contain_text("Completed")
    page.locator("#request-certificate").click()
    expect(page.get_by_role("heading", name="Erasure certificate")).to_be_visible()
    expect(page.locator("#certificate-erased")).to_contain_text("Login events")
    expect(page.get_by_role("link", name="The certificate as JSON")).to_be_visible()
    _shot(page, "certificate")


def test_an_officer_places_a_hold_from_the_subject_page_and_starts_an_erasure_there(
    live_server, browser: Browser, second_officer, customer, celery_worker_process
):
    base = live_server.url
    LoginEventFactory.create_batch(2, user=customer)
    page = _officer_session(browser, base, second_officer)
    page.goto(f"{base}/admin/accounts/user/{customer.pk}/change/")
    expect(page.locator("input[name=is_superuser]")).to_have_count(0)
    expect(page.locator(".deletelink")).to_have_count(0)
    _shot(page, "subject-page")

    page.get_by_role("link", name="Place a legal hold…").first.click()
    expect(page.locator(".field-subject")).to_contain_text(customer.email)
    page.get_by_label("Usage").check()
    page.locator("select[name=reason]").select_option("litigation")
    page.locator("textarea[name=note]").fill("Claim 2026/118")
    page.locator("input[name=review_on]").fill((organisation_today() + timedelta(days=60)).isoformat())
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("added")
    assert LegalHold.objects.get().subject_id == customer.pk

    page.goto(f"{base}/admin/accounts/user/{customer.pk}/change/")
    expect(page.locator(".field-legal_holds")).to_contain_text("Litigation")
    page.get_by_role("link", name="Erase…").click()
    expect(page.get_by_role("heading", name="Erase this person's data?")).to_be_visible()
    expect(page.locator("#subject-erase")).to_contain_text("Login events")
    _shot(page, "erase-confirmation")
    page.get_by_label("Why (recorded on the erasure and its certificate)").fill("Erasure asked by phone, ticket 88")
    page.get_by_role("button", name="Yes, erase their personal data").click()
    expect(page.locator(".messagelist")).to_contain_text("The erasure has started")
    run = _wait_for(
        lambda: ErasureRun.objects.filter(subject_id=customer.pk, status__in=["completed", "partial"]).first(),
        timeout=90,
    )
    page.reload()
    expect(page.locator("#certificate-status")).to_contain_text(run.get_status_display())
    expect(page.locator("#certificate-kept")).to_contain_text("until the legal hold is released")
    _shot(page, "hold-certificate")
