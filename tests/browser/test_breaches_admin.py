"""An officer handles a breach in Debian's Chromium: intake, the clock in hours, the assessment,
the people affected through the registry, the authority's document and submission, the
people's emails in their languages, closed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from apps.breaches.models import Breach
from apps.consent.models import Mailing
from apps.core.clock import organisation_time
from apps.core.jobs import job_run_here
from tests.browser.accessibility import axe_violations
from tests.browser.test_disclosures_journey import _officer_session
from tests.factories import UserFactory
from tests.helpers import ARTIFACTS
from tests.service_data.factories import CallRecordFactory

pytestmark = [pytest.mark.usefixtures("transactional_db"), pytest.mark.browser]


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"breaches-admin--{name}.png"), full_page=True)


def _step(page: Page, name: str) -> None:
    page.get_by_role("link", name=name).click()


def test_an_officer_takes_a_breach_from_intake_to_closed(live_server, browser: Browser, officer):
    base = live_server.url
    CallRecordFactory(owner=UserFactory(email="caller@example.test", country="GB", preferred_language="en"))
    CallRecordFactory(owner=UserFactory(email="goi@example.test", country="VN", preferred_language="vi"))
    aware = organisation_time(timezone.now() - timedelta(hours=5))

    page = _officer_session(browser, base, officer)
    page.goto(f"{base}/admin/breaches/breach/add/")
    page.locator("input[name=title]").fill("Call logs shared by link")
    page.locator("select[name=officer]").select_option(value=str(officer.pk))
    page.locator("input[name=aware_at_0]").fill(aware.strftime("%Y-%m-%d"))
    page.locator("input[name=aware_at_1]").fill(aware.strftime("%H:%M:%S"))
    page.locator("textarea[name=description]").fill("A call-log report was shared by a public link for a day.")
    page.locator("textarea[name=categories]").fill('["communications"]')
    page.locator("textarea[name=contact_point]").fill("Data protection officer, dpo@example.test")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("added")
    breach = Breach.objects.get()

    # The clock, in hours, on the breach's page.
    expect(page.get_by_test_id("clock-hours").first).to_have_text(re.compile(r"^(66|67) hours left$"))
    _shot(page, "opened")  # Django's own change form (its split date-time widget) is not ours to axe
    # The officers' home page shows the clock while the breach is open, and leads to it.
    breach_page = page.url
    page.goto(f"{base}/admin/")
    tile = page.locator("#tile-breaches")
    expect(tile).to_contain_text(re.compile(r"(66|67) hours left"))
    tile.get_by_role("link", name=re.compile(r"Breach ")).first.click()
    expect(page.get_by_test_id("clock-hours").first).to_be_visible()
    page.goto(breach_page)

    _step(page, "Assess the risk")
    page.get_by_label("Sensitivity of the data").select_option("high")
    page.get_by_label("Number of people").fill("2")
    page.get_by_label("Ease of identification").select_option("high")
    page.get_by_label("Severity of consequences").select_option("high")
    page.get_by_role("button", name="Record the assessment").click()
    expect(page.locator(".messagelist")).to_contain_text("High risk")

    _step(page, "Find the people affected")
    page.get_by_label("Communications").check()
    page.get_by_role("button", name="Count them").click()
    expect(page.get_by_role("heading", name="2 people found")).to_be_visible()
    expect(page.get_by_test_id("count-vn")).to_have_text("1")
    _shot(page, "affected")
    assert axe_violations(page) == []
    page.get_by_role("button", name=re.compile("Freeze these 2 people")).click()
    expect(page.locator(".messagelist")).to_contain_text("2 people frozen")

    page.locator("textarea[name=notice_summary_en]").fill("A report of your calls was shared by a public link.")
    page.locator("textarea[name=notice_summary_vi]").fill("Một báo cáo cuộc gọi của bạn đã bị chia sẻ công khai.")
    page.locator("textarea[name=notice_advice_en]").fill("Be wary of calls asking for your password.")
    page.locator("textarea[name=measures_taken]").fill("The link was removed and the report deleted.")
    page.locator("select[name=decision]").select_option("notify")
    page.locator("textarea[name=decision_reasoning]").fill("Call records of identifiable people: high risk.")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("changed")

    _step(page, "The authority's notification (printable)")
    expect(page.get_by_role("heading", name=re.compile("Nature of the breach"))).to_be_visible()
    expect(page.locator(".breach-document")).to_contain_text("The link was removed")
    _shot(page, "authority-document")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Back", exact=True).click()

    # The authorities of the default jurisdictions (UK and EU) and of the Vietnamese customer.
    for option, reference in ((1, "REF-2026-77"), (2, "REF-2026-78"), (3, "REF-2026-79")):
        _step(page, "Record a submission to an authority")
        page.get_by_label("Notification").select_option(index=option)
        page.get_by_label("How").select_option("online_form")
        page.get_by_label("The authority's reference").fill(reference)
        page.get_by_role("button", name="Record it").click()
        expect(page.locator(".messagelist")).to_contain_text("submission is recorded")

    _step(page, "Email the people affected")
    expect(page.get_by_text("Send the notice to 2 people?")).to_be_visible()
    page.get_by_role("button", name="Yes, send it").click()
    expect(page.locator(".messagelist")).to_contain_text("being sent")
    breach.refresh_from_db()
    job_run_here(kind=Mailing.JOB_KIND, target=breach.mailing_id)
    # Each in their language, subject included: pick them by address, not by the English subject.
    people = ("caller@example.test", "goi@example.test")
    sent = {message.to[0]: message.body for message in mail.outbox if message.to[0] in people}
    assert sorted(sent) == ["caller@example.test", "goi@example.test"]
    assert "chia sẻ công khai" in sent["goi@example.test"]

    _step(page, "Email the people affected")
    expect(page.get_by_role("status")).to_contain_text("2 of 2 sent")
    page.get_by_role("link", name="Back", exact=True).click()

    _step(page, "Close the breach")
    page.get_by_role("button", name="Yes, close it").click()
    assert not page.locator(".errornote").count(), page.locator(".errornote").inner_text()
    expect(page.locator(".messagelist")).to_contain_text("closed")
    breach.refresh_from_db()
    assert breach.status == Breach.Status.CLOSED
    _shot(page, "closed")
    page.goto(f"{base}/admin/")
    expect(page.locator("#tile-breaches")).to_have_count(0)  # closed: no clock runs


def test_the_public_notice_reads_in_the_visitors_language_and_is_accessible(live_server, browser: Browser, officer):
    from apps.breaches.services.notices import breach_public_notice_publish
    from apps.breaches.services.register import breach_save
    from tests.breaches.helpers import open_breach

    breach = open_breach(officer, aware_at=timezone.now() - timedelta(hours=2))
    breach.notice_summary_en = "Letters went to old addresses."
    breach.notice_summary_vi = "Thư đã được gửi đến địa chỉ cũ."
    breach.notice_advice_en = "Tell us if one reached you."
    breach_save(breach=breach, actor=officer, reason="notice written")
    breach_public_notice_publish(breach=breach, actor=officer)
    page = browser.new_context(locale="vi-VN").new_page()
    page.goto(f"{live_server.url}/security-notices/{breach.reference}/")
    expect(page.locator("main")).to_contain_text("Thư đã được gửi đến địa chỉ cũ.")
    _shot(page, "public-notice-vi")
    assert axe_violations(page) == []
