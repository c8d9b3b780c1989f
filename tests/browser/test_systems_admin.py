"""An officer, in Debian's Chromium, finds a request waiting on a silent system past its
deadline, opens that system's task and closes it with a reason; the request then completes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from apps.core.jobs import job_run_here
from apps.disclosures.models import Recipient
from apps.subject_requests.execution import subject_request_execute
from apps.subject_requests.models import SubjectRequest
from apps.systems.domain import INSTRUCTIONS_JOB
from apps.systems.models import PropagationTask
from tests.browser.accessibility import axe_violations
from tests.browser.test_disclosures_journey import _officer_session
from tests.helpers import ARTIFACTS
from tests.subject_requests.test_execution import started
from tests.systems.conftest import make_system

pytestmark = pytest.mark.usefixtures("transactional_db")


def test_an_officer_closes_a_silent_systems_task_with_a_reason(live_server, browser: Browser, officer, customer):
    base = live_server.url
    make_system("Survey tool", connector=Recipient.Connector.EMAIL, privacy_contact_email="dpo@survey.example")
    request = started("erasure", customer)
    subject_request_execute(request_id=request.pk)
    task = PropagationTask.objects.get(request=request)
    job_run_here(kind=INSTRUCTIONS_JOB, target=task.pk)
    PropagationTask.objects.filter(pk=task.pk).update(deadline_at=timezone.now() - timedelta(days=1))

    page = _officer_session(browser, base, officer)
    page.goto(f"{base}/admin/subject_requests/subjectrequest/{request.pk}/change/")
    systems = page.locator("#request-systems")
    expect(systems).to_contain_text("0 of 1 system has confirmed")
    expect(systems.locator("tr[data-system='Survey tool']")).to_contain_text("overdue")
    expect(page.locator("#request-execution")).to_contain_text("Waiting for other systems to confirm")
    assert axe_violations(page) == []

    systems.get_by_role("link", name="Survey tool").click()
    expect(page.locator("#task-state")).to_have_text("Told, waiting for its answer")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Close the task").click()  # no reason: refused, nothing closed
    expect(page.locator("#close-task .errorlist")).to_be_visible()
    page.get_by_label("Why close it without the system's confirmation?").fill(
        "The supplier confirmed by phone that the account was deleted; no written answer will come."
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "systems-admin--close.png"), full_page=True)
    page.get_by_role("button", name="Close the task").click()

    expect(page.locator(".messagelist")).to_contain_text("The task of Survey tool is closed.")
    expect(page.locator("#request-systems")).to_contain_text("0 of 1 system has confirmed; 1 closed by an officer")
    expect(page.locator("#request-systems")).to_contain_text("no written answer will come")
    request.refresh_from_db()
    task.refresh_from_db()
    assert request.status == SubjectRequest.Status.COMPLETED
    assert (task.state, task.closed_by) == (PropagationTask.State.CLOSED, officer)
    assert task.history.first().history_user == officer
