"""Purge runs in the admin: history, live progress, the preview and "Run now", as each role sees them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.core.models import Job
from apps.retention.models import PurgeRun, RetentionRule
from tests.factories import UserFactory
from tests.helpers.holds import hold_on

pytestmark = pytest.mark.django_db


def finished_run(**progress) -> PurgeRun:
    now = timezone.now()
    return PurgeRun.objects.create(
        triggered_by=PurgeRun.Trigger.SCHEDULE,
        status=PurgeRun.Status.COMPLETED,
        as_of=now,
        started_at=now - timedelta(minutes=2),
        finished_at=now,
        progress=progress,
    )


# --- Purge runs ----------------------------------------------------------------------------------


def test_it_lists_purge_runs_with_totals_in_a_fixed_number_of_queries(
    client_as, officer, django_assert_max_num_queries
):
    client = client_as("officer")
    client.get(reverse("admin:retention_purgerun_changelist"))
    finished_run(**{"login-history": {"deleted": 40, "held_back": 2, "done": True}})
    with django_assert_max_num_queries(30) as few:
        response = client.get(reverse("admin:retention_purgerun_changelist"))
    assert response.status_code == 200
    for index in range(10):
        run = finished_run(**{"login-history": {"deleted": index, "done": True}, "data-exports": {"errors": ["boom"]}})
        run.actor = officer
        run.triggered_by = PurgeRun.Trigger.ADMIN
        run.save()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("admin:retention_purgerun_changelist"))
    assert len(response.context["cl"].result_list) == 11
    assert "Preview next run" in response.content.decode()
    assert "Run now" in response.content.decode()
    assert "Run now" not in client_as("auditor").get(reverse("admin:retention_purgerun_changelist")).content.decode()


def test_a_run_page_shows_the_per_rule_table(client_as):
    run = finished_run(
        **{
            "login-history": {"deleted": 40, "held_back": 2, "done": True},
            "inactive-accounts": {"warned": 3, "erasures": 1, "done": True, "errors": ["ValueError: broken"]},
        }
    )
    response = client_as("auditor").get(reverse("admin:retention_purgerun_change", args=[run.pk]))
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.context["rule_rows"]}
    assert rows["login-history"]["counts"] == [40, 0, 0, 0, 2]
    assert rows["inactive-accounts"]["counts"] == [0, 0, 1, 3, 0]
    assert rows["inactive-accounts"]["errors"] == ["ValueError: broken"]
    page = response.content.decode()
    assert "ValueError: broken" in page
    assert 'http-equiv="refresh"' not in page


def live_run(**fields) -> PurgeRun:
    """A run a worker is carrying out now: its job holds a current lease (apps/core/jobs/)."""
    now = timezone.now()
    run = PurgeRun.objects.create(**{"triggered_by": PurgeRun.Trigger.SCHEDULE, "as_of": now, **fields})
    Job.objects.create(
        kind=PurgeRun.JOB_KIND,
        target=str(run.pk),
        state=Job.State.RUNNING,
        attempts=1,
        lease_owner="worker",
        lease_expires_at=now + timedelta(minutes=1),
    )
    return run


def test_a_running_runs_page_refreshes_and_shows_which_rules_are_done(client_as):
    run = live_run(
        triggered_by=PurgeRun.Trigger.ADMIN,
        progress={"login-history": {"deleted": 5, "done": True}, "data-exports": {"deleted": 1}},
    )
    response = client_as("officer").get(reverse("admin:retention_purgerun_change", args=[run.pk]))
    page = response.content.decode()
    assert 'http-equiv="refresh"' in page
    states = {row["code"]: str(row["state"]) for row in response.context["rule_rows"]}
    assert states["login-history"] == "done"
    assert states["data-exports"] == "in progress"
    enabled = set(RetentionRule.objects.filter(enabled=True).values_list("code", flat=True))
    assert {code for code, state in states.items() if state == "waiting"} == enabled - {"login-history", "data-exports"}


def test_the_preview_shows_what_the_next_run_would_take(client_as, officer, customer):
    from apps.accounts.models import LoginEvent
    from tests.factories import LoginEventFactory

    old = timezone.now() - timedelta(days=800)
    LoginEventFactory.create_batch(3, user=customer)
    LoginEvent.objects.update(occurred_at=old)
    LoginEventFactory(user=UserFactory(), occurred_at=old)
    hold_on(customer, officer, categories=["usage", "technical"])

    response = client_as("officer").get(reverse("admin:retention_purgerun_preview"))

    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r["target"] == "accounts.LoginEvent")
    assert row["would_delete"] == 1
    assert row["held_back"] == 3
    assert row["rule"] in response.content.decode()
    assert not PurgeRun.objects.exists()


def test_run_now_queues_the_purge_after_a_confirmation(client_as, officer, django_capture_on_commit_callbacks):
    client = client_as("officer")
    url = reverse("admin:retention_purgerun_run")

    assert "Yes, run the purge now" in client.get(url).content.decode()
    assert not PurgeRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)

    run = PurgeRun.objects.get()
    assert (run.triggered_by, run.actor) == ("admin", officer)
    job = run.job
    assert (job.state, job.dispatched_at is not None) == (Job.State.QUEUED, True)  # sent to a worker after commit
    assert "A purge run is queued" in response.content.decode()


def test_run_now_says_when_a_run_is_live_instead(client_as, django_capture_on_commit_callbacks):
    live = live_run()
    client = client_as("officer")
    url = reverse("admin:retention_purgerun_run")

    assert "already in progress" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.url == reverse("admin:retention_purgerun_change", args=[live.pk])
    assert PurgeRun.objects.get() == live  # nothing more queued
    assert "in progress" in client.get(reverse("admin:retention_purgerun_changelist")).content.decode()


@pytest.mark.parametrize("persona", ["auditor", "support_agent"])
def test_only_officers_may_run_the_purge(client_as, persona):
    assert client_as(persona).post(reverse("admin:retention_purgerun_run")).status_code == 403
    assert not PurgeRun.objects.exists()


# --- Whose day (apps/core/clock.py) ----------------------------------------------------------------

# 17:30 UTC on 31 December: already 00:30 on 1 January in Hanoi, still the 31st in UTC.
NEW_YEAR_IN_HANOI = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)


@time_machine.travel(NEW_YEAR_IN_HANOI, tick=False)
def test_it_tells_when_the_live_purge_started_on_the_organisations_clock(settings, client_as):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    live_run(as_of=NEW_YEAR_IN_HANOI, started_at=NEW_YEAR_IN_HANOI - timedelta(minutes=5))

    response = client_as("officer").post(reverse("admin:retention_purgerun_run"), follow=True)

    assert "already running (started 2027-01-01 00:25)" in response.content.decode()
