"""The job machinery (apps/core/jobs/): enqueue as an outbox, claim with a lease, heartbeat,
retry, give up, and the one reconciler that sends again what a worker still owes."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from celery import current_app
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from apps.core.jobs import (
    JobKind,
    JobLost,
    PermanentJobError,
    job_dispatch,
    job_enqueue,
    job_run,
    jobs_reconcile,
    register_job_kind,
)
from apps.core.jobs.kinds import LEASE
from apps.core.models import Job

pytestmark = pytest.mark.django_db
State = Job.State

done: list[str] = []
given_up: list[tuple[str, str]] = []
failures: dict[str, BaseException] = {}


def _work(target: str, heartbeat) -> None:
    heartbeat.beat()
    if target in failures:
        raise failures[target]
    done.append(target)


def _give_up(target: str, error: str) -> None:
    given_up.append((target, error))


register_job_kind(JobKind(name="tests.work", run=_work, max_attempts=3, on_give_up=_give_up))


@pytest.fixture(autouse=True)
def _clean():
    done.clear()
    given_up.clear()
    failures.clear()


def enqueue(target: object = "1", *, dispatch: bool = False) -> Job:
    return job_enqueue(kind="tests.work", target=target, dispatch=dispatch)


def test_it_records_the_job_in_the_callers_transaction_and_sends_it_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_enqueue(kind="tests.work", target=7)
    assert (job.state, job.target, job.dispatched_at) == (State.QUEUED, "7", None)
    assert len(callbacks) == 1  # nothing reaches the broker before the commit
    callbacks[0]()
    job.refresh_from_db()
    assert job.dispatched_at is not None  # the real (filesystem or Redis) broker took it


def test_asking_again_for_work_under_way_returns_the_same_job():
    first = enqueue("9")
    assert enqueue("9").pk == first.pk
    job_run(job_id=first.pk)
    assert enqueue("9").pk != first.pk  # done: new work is a new job


def test_an_unknown_kind_is_refused():
    with pytest.raises(LookupError, match="No background job kind"):
        job_enqueue(kind="tests.nothing", target=1)


def test_a_worker_claims_runs_and_finishes_it():
    job = job_run(job_id=enqueue("a").pk)
    assert done == ["a"]
    assert (job.state, job.attempts, job.lease_owner, job.lease_expires_at) == (State.DONE, 1, "", None)
    assert job.started_at
    assert job.finished_at
    assert job_run(job_id=job.pk).attempts == 1  # a redelivery of finished work does nothing
    assert done == ["a"]


def test_a_duplicate_delivery_leaves_a_job_another_worker_holds_alone():
    job = enqueue("b")
    Job.objects.filter(pk=job.pk).update(
        state=State.RUNNING, attempts=1, lease_owner="other", lease_expires_at=timezone.now() + LEASE
    )
    assert job_run(job_id=job.pk).attempts == 1
    assert done == []


def test_a_job_whose_worker_died_is_taken_over_and_counts_an_attempt():
    job = enqueue("c")
    Job.objects.filter(pk=job.pk).update(
        state=State.RUNNING, attempts=1, lease_owner="dead", lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    job = job_run(job_id=job.pk)
    assert (job.state, job.attempts, done) == (State.DONE, 2, ["c"])


def test_a_transient_error_releases_the_job_with_the_error_kept_and_it_gives_up_after_the_last_attempt():
    failures["d"] = OperationalError("database is locked")
    job = enqueue("d")
    for attempt in (1, 2, 3):
        with pytest.raises(OperationalError, match="locked"):
            job_run(job_id=job.pk)  # raised again: the task's retries send it anew
        job.refresh_from_db()
        assert (job.state, job.attempts) == (State.QUEUED, attempt)
        assert job.last_error == "OperationalError: database is locked"
    job = job_run(job_id=job.pk)  # the next delivery finds no attempt left
    assert job.state == State.FAILED
    assert job.last_error == "Gave up after 3 attempts. Last error: OperationalError: database is locked"
    assert given_up == [("d", job.last_error)]
    assert job_run(job_id=job.pk).state == State.FAILED  # and stays failed


def test_any_other_error_fails_the_job_at_once_unless_its_kind_retries_every_error():
    failures["f"] = OSError("disk full")
    job = job_run(job_id=enqueue("f").pk)
    assert (job.state, job.attempts, job.last_error) == (State.FAILED, 1, "OSError: disk full")
    assert given_up == [("f", "OSError: disk full")]

    register_job_kind(JobKind(name="tests.stubborn", run=_work, retry_any_error=True))
    failures["g"] = OSError("disk full")
    stubborn = job_enqueue(kind="tests.stubborn", target="g", dispatch=False)
    with pytest.raises(OSError, match="disk full"):
        job_run(job_id=stubborn.pk)
    stubborn.refresh_from_db()
    assert (stubborn.state, stubborn.attempts) == (State.QUEUED, 1)


def test_a_permanent_error_fails_at_once():
    failures["e"] = PermanentJobError("the file is not a ZIP")
    job = job_run(job_id=enqueue("e").pk)
    assert (job.state, job.attempts, job.last_error) == (State.FAILED, 1, "the file is not a ZIP")
    assert given_up == [("e", "the file is not a ZIP")]


def test_the_heartbeat_keeps_the_lease_and_tells_a_worker_that_lost_its_job(settings):
    seen = {}

    def slow(target, heartbeat):
        with time_machine.travel(timezone.now() + timedelta(seconds=50), tick=False):
            heartbeat.beat(force=True)
            seen["lease"] = Job.objects.get(kind="tests.slow").lease_expires_at
        # Judged dead meanwhile, and taken over by another worker:
        Job.objects.filter(kind="tests.slow").update(lease_owner="new-owner")
        with pytest.raises(JobLost):
            heartbeat.beat(force=True)
        raise JobLost("stop")

    register_job_kind(JobKind(name="tests.slow", run=slow))
    job = job_enqueue(kind="tests.slow", target=1, dispatch=False)
    started = timezone.now()
    job = job_run(job_id=job.pk)
    assert seen["lease"] >= started + timedelta(seconds=50) + LEASE - timedelta(seconds=1)
    assert (job.state, job.lease_owner) == (State.RUNNING, "new-owner")  # the new owner settles it


def test_the_reconciler_sends_what_was_never_sent_lost_its_message_or_lost_its_worker():
    now = timezone.now()
    unsent = enqueue("never-sent")
    fresh = enqueue("just-enqueued")
    lost = enqueue("lost-message")
    dead = enqueue("dead-worker")
    alive = enqueue("alive")
    finished = job_run(job_id=enqueue("finished").pk)
    Job.objects.filter(pk=unsent.pk).update(updated_at=now - timedelta(minutes=5))
    Job.objects.filter(pk=lost.pk).update(dispatched_at=now - timedelta(minutes=20))
    Job.objects.filter(pk=dead.pk).update(
        state=State.RUNNING,
        lease_owner="x",
        lease_expires_at=now - timedelta(seconds=5),
        dispatched_at=now - timedelta(minutes=3),
    )
    Job.objects.filter(pk=alive.pk).update(state=State.RUNNING, lease_owner="y", lease_expires_at=now + LEASE)

    dry = jobs_reconcile(dry_run=True)
    assert (dry.unsent, dry.lost_message, dry.lost_worker) == ([unsent.pk], [lost.pk], [dead.pk])
    assert Job.objects.get(pk=unsent.pk).dispatched_at is None  # a dry run sends nothing

    sent = jobs_reconcile()
    assert sorted(sent.jobs) == sorted([unsent.pk, lost.pk, dead.pk])
    assert sent.not_sent_now == []
    assert Job.objects.get(pk=dead.pk).dispatched_at > now
    # Sent once: the next sweep leaves them to the worker.
    assert jobs_reconcile(dry_run=True).jobs == []
    assert {fresh.pk, finished.pk, alive.pk}.isdisjoint(sent.jobs)


def test_the_command_prints_what_it_would_send(capsys):
    job = enqueue("cmd")
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    call_command("reconcile", "--dry-run")
    assert f'"unsent": [\n    {job.pk}\n  ]' in capsys.readouterr().out


@pytest.fixture
def broker_down():
    """The app's broker pointed at a port nobody listens on: a real refused connection."""
    app = current_app
    # The write URL is what sending uses; it defaults to the broker URL, which the settings
    # (CELERY_BROKER_URL) keep answering for however app.conf.broker_url is set.
    # The raw setting, not the property: the property answers the broker URL when unset, and
    # restoring that would pin every later test's sends to this test's broker.
    saved = app.conf.get("broker_write_url")
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.broker_write_url = saved
    app._pool = None
    app.amqp._producer_pool = None


def test_with_the_broker_down_the_job_waits_in_the_outbox_and_the_caller_does_not(broker_down):
    job = enqueue("outbox")
    started = time.monotonic()
    assert job_dispatch(job.pk) is False
    assert time.monotonic() - started < 3
    job.refresh_from_db()
    assert (job.state, job.dispatched_at) == (State.QUEUED, None)
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=1))
    assert jobs_reconcile().not_sent_now == [job.pk]  # still down: it stays for the next sweep
    assert Job.objects.get(pk=job.pk).dispatched_at is None
