"""Two purges at once do the work once; a purge killed mid-run is finished by the next one.

Committed data (transactional_db) and real concurrency: threads for two runs started
together, and a `manage.py purge` process killed with SIGKILL between batches.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.utils import timezone

from apps.accounts.models import LoginEvent
from apps.core.bulk import insert_rows
from apps.retention.models import PurgeRun
from apps.retention.purge import PurgeBusy, purge
from tests.factories import UserFactory
from tests.helpers import ROOT, database_url_for_worker

pytestmark = pytest.mark.django_db(transaction=True)


def old_logins(count: int) -> None:
    user = UserFactory()
    when = timezone.now() - relativedelta(months=13)
    columns = ["user_id", "occurred_at", "method", "succeeded", "user_agent", "device", "browser", "operating_system"]
    insert_rows(LoginEvent, columns, [(user.pk, when, "password", True, "", "", "", "")] * count)


def test_two_purges_started_together_do_the_work_once(settings):
    settings.RETENTION_PURGE_BATCH_SIZE = 5
    old_logins(200)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def start() -> None:
        try:
            barrier.wait()
            outcomes.append(purge(triggered_by=PurgeRun.Trigger.SCHEDULE, rule_code="login-history"))
        except PurgeBusy as busy:
            outcomes.append(busy)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == 2, outcomes
    finished = sorted((o for o in outcomes if isinstance(o, PurgeRun)), key=lambda run: run.started_at)
    # Normally the second start finds the first run live and backs off. On a loaded machine
    # one thread may get no time until the other has finished: then the second run starts
    # after the first ended and finds nothing left. Either way no two runs overlap and every
    # row is deleted by exactly one of them.
    assert 1 <= len(finished) <= 2, outcomes
    assert PurgeRun.objects.count() == len(finished)
    if len(finished) == 2:
        assert finished[0].finished_at <= finished[1].started_at
    assert sum(run.progress["login-history"].get("deleted", 0) for run in finished) == 200
    assert LoginEvent.objects.count() == 0


@pytest.mark.worker  # `manage.py purge` in a second process
def test_a_purge_killed_mid_run_is_completed_by_the_next(settings):
    old_logins(3000)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url_for_worker(),
        "RETENTION_PURGE_BATCH_SIZE": "3",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "purge", "--rule", "login-history"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while LoginEvent.objects.count() > 2900 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    left = LoginEvent.objects.count()
    run = PurgeRun.objects.get()
    assert run.status == PurgeRun.Status.RUNNING
    assert 0 < left < 3000, left
    # Every committed batch is in the checkpoint: nothing was deleted without being counted.
    assert run.progress["login-history"]["deleted"] == 3000 - left

    with pytest.raises(PurgeBusy):  # its lease has not run out yet
        purge(triggered_by=PurgeRun.Trigger.SCHEDULE)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        resumed = purge(triggered_by=PurgeRun.Trigger.SCHEDULE)
    assert resumed.pk == run.pk
    assert resumed.attempts == 2
    assert resumed.status == PurgeRun.Status.COMPLETED
    assert resumed.progress["login-history"]["deleted"] == 3000
    assert LoginEvent.objects.count() == 0
