"""An officer in the retention admin, in Debian's Chromium: places a legal hold on a customer,
previews the next purge, runs it now through a real Celery worker, and reads the run's per-rule table."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from apps.accounts.models import LoginEvent
from apps.core.clock import organisation_today
from apps.retention.models import LegalHold, PurgeRun
from tests.browser.test_disclosures_journey import _officer_session
from tests.factories import LoginEventFactory
from tests.helpers.screenshots import save_screenshot

pytestmark = pytest.mark.usefixtures("transactional_db")


def _shot(page: Page, name: str) -> None:
    save_screenshot(page, f"retention-admin--{name}")


def _wait_for_finished_run(timeout: float = 120) -> PurgeRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = PurgeRun.objects.order_by("-started_at").first()
        if run is not None and run.status != PurgeRun.Status.RUNNING:
            return run
        time.sleep(0.25)
    raise AssertionError(f"no purge run finished within {timeout}s (latest: {run})")


def test_an_officer_holds_a_customer_previews_and_runs_the_purge(
    live_server, browser: Browser, officer, customer, celery_worker_process
):
    base = live_server.url
    # Login history past the 12-month rule: the customer's is held, another person's is not.
    old = timezone.now() - timedelta(days=800)
    LoginEventFactory.create_batch(2, user=customer)
    LoginEventFactory(occurred_at=old)
    LoginEvent.objects.update(occurred_at=old)

    page = _officer_session(browser, base, officer)

    # Place a hold on the customer's usage and technical data, choosing them by autocomplete.
    page.goto(f"{base}/admin/retention/legalhold/add/")
    page.locator(".field-subject .select2-selection").click()
    page.locator(".select2-search__field").fill("customer@")
    page.locator(".select2-results__option", has_text=customer.email).click()
    page.get_by_label("Usage").check()
    page.get_by_label("Technical").check()
    page.locator("select[name=reason]").select_option("litigation")
    page.locator("textarea[name=note]").fill("Claim 2026/117 at the county court")
    page.locator("input[name=review_on]").fill((organisation_today() + timedelta(days=90)).isoformat())
    _shot(page, "hold-form")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("added")
    hold = LegalHold.objects.get()
    assert (hold.subject_id, hold.placed_by_id, hold.categories) == (customer.pk, officer.pk, ["technical", "usage"])

    # The customer's page shows the hold.
    page.goto(f"{base}/admin/accounts/user/{customer.pk}/change/")
    expect(page.locator(".field-legal_holds")).to_contain_text("Litigation")

    # The preview: what the next run would take, and what the hold keeps back.
    page.goto(f"{base}/admin/retention/purgerun/")
    page.get_by_role("link", name="Preview next run").click()
    login_row = page.locator("#purge-preview tr[data-rule=login-history]")
    expect(login_row).to_be_visible()
    expect(login_row.locator("td").nth(2)).to_have_text("1")  # would delete
    expect(login_row.locator("td").nth(6)).to_have_text("2")  # held back
    _shot(page, "preview")

    # Run now, after the confirmation page; the worker carries it out.
    page.get_by_role("link", name="Run now…").click()
    expect(page.get_by_role("heading", name="Run the purge now?")).to_be_visible()
    page.get_by_role("button", name="Yes, run the purge now").click()
    expect(page.locator(".messagelist")).to_contain_text("A purge run is queued")
    run = _wait_for_finished_run()
    assert run.status == PurgeRun.Status.COMPLETED, run.errors()
    assert (run.triggered_by, run.actor_id) == (PurgeRun.Trigger.ADMIN, officer.pk)
    assert LoginEvent.objects.filter(user=customer).count() == 2  # held
    assert not LoginEvent.objects.filter(occurred_at=old).exclude(user=customer).exists()  # purged

    # The run history, and the run's per-rule table.
    page.goto(f"{base}/admin/retention/purgerun/")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.locator("#result_list tbody tr th a").first.click()
    table = page.locator("#purge-rules")
    expect(table).to_be_visible()
    row = table.locator("tr[data-rule=login-history]")
    expect(row.locator("td").first).to_have_text("done")
    expect(row.locator("td").nth(1)).to_have_text("1")  # deleted
    expect(row.locator("td").nth(5)).to_have_text("2")  # held back
    expect(page.locator("meta[http-equiv=refresh]")).to_have_count(0)
    assert re.search(r"/admin/retention/purgerun/\d+/change/", page.url)
    _shot(page, "run")
