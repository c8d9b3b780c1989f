"""A poison job (its work fails, or kills its worker, every time) is tried a bounded number of
times, then fails for good, with its last error, where officers see it: the admin's job list."""

from __future__ import annotations

import signal
import time

import pytest

from apps.core.jobs import job_enqueue, jobs_reconcile
from apps.core.models import Job
from tests.faults.poison import kinds as poison
from tests.helpers import start_worker, stop_worker
from tests.helpers.faults import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def poison_worker(broker):
    process = start_worker(
        settings_module="tests.faults.poison_worker_settings",
        env={"JOBS_LEASE_SECONDS": "2"},
        concurrency=2,
    )
    yield process
    stop_worker(process, signal.SIGKILL)  # nothing of its work is worth waiting for


def failed_for_good(job: Job) -> bool:
    """Reconcile as beat does (the kinds send again at once) until the job has failed."""
    jobs_reconcile()
    job.refresh_from_db()
    if job.state == Job.State.FAILED:
        return True
    time.sleep(0.3)
    return False


def test_poison_jobs_stop_at_their_attempt_cap_and_officers_see_them(poison_worker, client_as):
    raising = job_enqueue(kind=poison.RAISES, target="1")
    killing = job_enqueue(kind=poison.KILLS, target="2")

    for job in (raising, killing):
        wait_until(lambda job=job: failed_for_good(job), timeout=60, what=f"{job.kind} to fail for good")
    assert (raising.attempts, killing.attempts) == (poison.ATTEMPTS, poison.ATTEMPTS)
    assert "RuntimeError: poison job 1 fails every time" in raising.last_error
    assert killing.last_error.startswith(f"Gave up after {poison.ATTEMPTS} attempts")
    assert poison_worker.poll() is None  # the worker itself lives on

    # Nothing sends them again: the reconciler leaves failed jobs alone.
    assert not {raising.pk, killing.pk} & set(jobs_reconcile().jobs)

    officer = client_as("officer")
    page = officer.get("/admin/core/job/?state__exact=failed")  # the list filter's own parameter
    assert page.status_code == 200
    html = page.content.decode()
    assert poison.RAISES in html
    assert poison.KILLS in html
    detail = officer.get(f"/admin/core/job/{raising.pk}/change/").content.decode()
    assert "poison job 1 fails every time" in detail
    for persona in ("customer", "anonymous"):
        assert client_as(persona).get("/admin/core/job/").status_code == 302
