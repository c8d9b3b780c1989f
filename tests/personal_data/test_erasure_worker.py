"""Erasure through a real Celery worker: completes, survives a SIGKILL, fails visibly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts.models import LoginEvent, User
from apps.core.actors import SystemActor
from apps.core.bulk import insert_rows
from apps.core.jobs import jobs_reconcile
from apps.core.models import Job
from apps.personal_data.erasure.checkpoint import FINISHED
from apps.personal_data.erasure.run import erasure_start
from apps.personal_data.models import ErasureRun
from apps.personal_data.registry import entries
from tests.helpers import start_worker, stop_worker
from tests.personal_data.test_erasure import build_subject, certificate_counts

pytestmark = pytest.mark.worker
ACTOR = SystemActor("tests")


@pytest.fixture
def slow_workers(transactional_db):
    """start() → a worker erasing one row per batch; every worker is stopped at the end."""
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        started.append(start_worker(env={"PERSONAL_DATA_ERASURE_BATCH_SIZE": "1"}))
        return started[-1]

    yield start
    for process in started:
        stop_worker(process)


def wait_for(run: ErasureRun, condition, timeout: float = 90) -> ErasureRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if condition(run):
            return run
        time.sleep(0.02)
    raise AssertionError(f"timed out; run is {run.status}, attempts {run.attempts}, error {run.last_error!r}")


def finished(run: ErasureRun) -> bool:
    return run.status in FINISHED


LOGIN_EVENT_COLUMNS = (
    *("user_id", "occurred_at", "ip_address", "user_agent", "device", "browser", "operating_system"),
    *("method", "succeeded"),
)


def with_login_events(email: str, tag: str, count: int) -> User:
    user = build_subject(email, tag=tag)
    now = timezone.now()
    insert_rows(
        LoginEvent,
        LOGIN_EVENT_COLUMNS,
        [(user.pk, now, "203.0.113.9", f"Agent {tag}", "Computer", "Firefox", "Linux", "password", True)] * count,
    )
    return user


def end_state(user_pk: int) -> dict:
    """Rows and history rows per registered table about the subject, after erasure."""
    user = User._base_manager.get(pk=user_pk)
    counts = {}
    for entry in entries():
        rows = entry.model._base_manager.filter(entry.subject_q(user))
        counts[entry.label] = rows.count()
        if entry.history_model is not None:
            counts[entry.label + "/history"] = entry.history_model._base_manager.filter(
                id__in=rows.values("pk")
            ).count()
    counts["user"] = User.objects.filter(pk=user_pk).values("full_name", "phone", "is_active", "status").get()
    return counts


def test_it_erases_through_the_worker(celery_worker_process):
    subject = build_subject("worker@example.test", tag="worker")
    picture = subject.profile_picture.name

    run = wait_for(erasure_start(subject=subject, actor=ACTOR, reason="test"), finished)

    assert run.status == ErasureRun.Status.COMPLETED
    assert run.attempts == 1
    user = User.objects.get(pk=subject.pk)
    assert (user.full_name, user.is_active) == ("", False)
    assert not LoginEvent.objects.filter(user=subject).exists()
    assert run.certificate["files_deleted"] == 2
    assert not (Path(os.environ["PORTAL_TEST_VAR_DIR"]) / "private" / picture).exists()


def test_it_resumes_after_the_worker_is_killed_and_ends_as_an_uninterrupted_run(slow_workers):
    subject = with_login_events("killed@example.test", "killed", 400)
    twin = with_login_events("twin@example.test", "twin", 400)
    worker = slow_workers()

    run = erasure_start(subject=subject, actor=ACTOR, reason="test")

    def mid_login_events(run: ErasureRun) -> bool:
        state = run.progress.get("tables", {}).get("accounts.LoginEvent", {})
        return state.get("live_last") is not None and not state.get("live_done")

    run = wait_for(run, mid_login_events)
    stop_worker(worker, signal.SIGKILL)  # the whole worker, as an OOM kill or a lost host would
    run.refresh_from_db()
    assert run.status == ErasureRun.Status.RUNNING
    done_at_kill = run.progress["tables"]["accounts.LoginEvent"]["rows_deleted"]
    assert 0 < done_at_kill < 400 + 3

    slow_workers()
    # acks_late cannot help here: the filesystem broker deleted the message when the worker
    # took it, and Redis would redeliver only after its visibility timeout (over 30 minutes).
    # The reconciler (beat, every few minutes in production) re-enqueues the stuck run.
    time.sleep(2)
    run.refresh_from_db()
    redelivered = run.attempts > 1
    if not redelivered:
        # By the time beat's reconciler looks (every minute), the dead worker's lease has run out.
        Job.objects.filter(pk=run.job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
        assert jobs_reconcile().lost_worker == [run.job.pk]
    run = wait_for(run, finished)
    assert run.status == ErasureRun.Status.COMPLETED
    assert run.attempts == 2

    uninterrupted = wait_for(erasure_start(subject=twin, actor=ACTOR, reason="test"), finished)
    assert uninterrupted.attempts == 1
    assert end_state(subject.pk) == end_state(twin.pk)
    assert certificate_counts(run) == certificate_counts(uninterrupted)
    assert run.certificate["files_deleted"] == uninterrupted.certificate["files_deleted"] == 2


@contextmanager
def user_updates_blocked():
    """A database trigger that rejects every UPDATE of accounts_user: a permanent error."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION erasure_test_block() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'blocked by a test trigger'; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER erasure_test_block BEFORE UPDATE ON accounts_user "
                "FOR EACH ROW EXECUTE FUNCTION erasure_test_block()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER erasure_test_block BEFORE UPDATE ON accounts_user "
                "BEGIN SELECT RAISE(ABORT, 'blocked by a test trigger'); END"
            )
    try:
        yield
    finally:
        _drop_trigger()


def _drop_trigger() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS erasure_test_block ON accounts_user")
            cursor.execute("DROP FUNCTION IF EXISTS erasure_test_block()")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS erasure_test_block")


def test_it_stops_and_shows_the_failure_when_the_erasure_keeps_failing(celery_worker_process):
    subject = build_subject("failing@example.test", tag="failing")

    with user_updates_blocked():
        run = wait_for(erasure_start(subject=subject, actor=ACTOR, reason="test"), finished)
        time.sleep(2)

    assert run.status == ErasureRun.Status.FAILED
    assert "blocked by a test trigger" in run.last_error
    assert run.finished_at is not None
    attempts = run.attempts
    assert 1 <= attempts <= 6  # a permanent error is not retried; transient ones at most 5 times
    run.refresh_from_db()
    assert (run.status, run.attempts) == (ErasureRun.Status.FAILED, attempts)  # no loop
    # The tables before the user row were erased, and the run says how far it got.
    assert not LoginEvent.objects.filter(user=subject).exists()
    assert run.progress["tables"]["accounts.LoginEvent"]["live_done"]


def test_it_erases_from_the_command_and_prints_the_certificate(celery_worker_process, capsys):
    from django.core.management import call_command

    subject = build_subject("command@example.test", tag="command")

    call_command("erase_subject", "command@example.test", "--wait", "--timeout", "60", "--reason", "by hand")
    out = capsys.readouterr().out

    certificate = json.loads(out[out.index("{") :])
    assert certificate["subject_reference"]
    assert "command@example.test" not in out
    assert User.objects.get(pk=subject.pk).is_active is False
