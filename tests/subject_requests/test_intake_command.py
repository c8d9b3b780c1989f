"""manage.py privacy_request: officer intake from the command line, its JSON, its errors, and --wait
through a real worker (including one killed mid-erasure and recovered by the reconciler)."""

from __future__ import annotations

import json
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.accounts.models import User
from apps.core.jobs import jobs_reconcile
from apps.core.models import Job
from apps.personal_data.models import DataExport, ErasureRun
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.selectors.requests import requests_for_subject, timeline
from tests.helpers import start_worker, stop_worker

Status = SubjectRequest.Status


def run_command(capsys, *args: str) -> list[dict]:
    call_command("privacy_request", *args)
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


@pytest.mark.django_db
def test_it_files_a_request_for_an_account_and_prints_its_deadlines(customer, capsys):
    (printed,) = run_command(
        capsys, "erasure", "Customer@Example.test", "--channel", "letter", "--received", "2026-01-30T09:15:00+00:00"
    )

    request = SubjectRequest.objects.get()
    assert printed["reference"] == str(request.reference)
    assert printed["status"] == "open"
    assert printed["received_at"] == "2026-01-30T09:15:00+00:00"
    assert printed["acknowledge_by"] == request.acknowledge_by.isoformat()
    assert printed["due_at"] == request.due_at.isoformat()
    assert printed["created"] is True
    assert request.subject == customer
    assert request.channel == "letter"
    assert request.verification_method == "officer"
    assert request.verification_note == "Filed by command"
    assert request.jurisdiction.code == "uk"  # the account's country (GB)
    assert request.history.first().history_user is None


@pytest.mark.django_db
def test_it_prints_how_far_an_extension_could_take_the_request(capsys):
    # The ICO: received 31 January 2025, due 28 February, extendable to 30 April (three months from receipt).
    (printed,) = run_command(
        capsys, "access", "someone@example.test", "--received", "2025-01-31T10:00:00+00:00", "--jurisdiction", "uk"
    )
    assert printed["due_at"].startswith("2025-02-28T23:59:59")
    assert printed["extended_due_at"].startswith("2025-04-30T23:59:59")
    assert printed["extended_to"] is None  # not extended yet
    (vietnam,) = run_command(
        capsys, "access", "other@example.test", "--received", "2025-06-02T03:00:00+00:00", "--jurisdiction", "vn"
    )
    # Decree 13/2023: 72 hours, to the hour (10:00 in Hanoi on the 5th).
    assert datetime.fromisoformat(vietnam["due_at"]) == datetime(2025, 6, 5, 3, tzinfo=UTC)
    assert vietnam["extended_due_at"] is None


@pytest.mark.django_db
def test_it_files_for_someone_without_an_account_under_the_jurisdiction_given(capsys):
    (printed,) = run_command(capsys, "access", "stranger@example.test", "--jurisdiction", "vn", "--channel", "phone")

    request = SubjectRequest.objects.get(reference=printed["reference"])
    assert request.subject is None
    assert request.requester_email == "stranger@example.test"
    assert request.jurisdiction.code == "vn"
    assert request.status == Status.OPEN


@pytest.mark.django_db
def test_a_second_request_of_the_same_type_is_linked_not_doubled(customer, capsys):
    (first,) = run_command(capsys, "access", customer.email)
    (second,) = run_command(capsys, "access", customer.email, "--channel", "phone")

    assert second["reference"] == first["reference"]
    assert second["created"] is False
    assert SubjectRequest.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["delete-everything", "a@example.test"], "Unknown request type 'delete-everything'"),
        (["access", "not-an-address"], "Not an email address"),
        (["access", "a@example.test", "--channel", "account"], "Unknown channel 'account'"),
        (["access", "a@example.test", "--channel", "fax"], "Unknown channel 'fax'"),
        (["access", "a@example.test", "--jurisdiction", "mars"], "Unknown jurisdiction 'mars'"),
        (["access", "a@example.test", "--received", "yesterday"], "Not an ISO 8601 date and time"),
        (["access", "a@example.test", "--received", "2026-02-30T10:00"], "Not an ISO 8601 date and time"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_filed(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("privacy_request", *args)
    assert not SubjectRequest.objects.exists()


@pytest.mark.django_db
def test_a_received_date_in_the_future_is_refused(db):
    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="is in the future"):
        call_command("privacy_request", "access", "a@example.test", "--received", tomorrow)
    assert not SubjectRequest.objects.exists()


@pytest.mark.django_db
def test_a_naive_received_date_is_taken_as_utc(capsys):
    (printed,) = run_command(capsys, "access", "a@example.test", "--received", "2026-01-05T08:00")
    assert printed["received_at"] == datetime(2026, 1, 5, 8, tzinfo=UTC).isoformat()


@pytest.mark.django_db
def test_wait_gives_up_at_the_timeout_after_printing_the_status(capsys):
    with pytest.raises(CommandError, match="still in_progress after 1s; is a worker running"):
        call_command("privacy_request", "access", "a@example.test", "--wait", "--timeout", "0.6")
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert printed[-1]["status"] == "in_progress"
    assert printed[-1]["timed_out"] is True


@pytest.fixture
def eager_execution(monkeypatch):
    """Each request's job run at once, after the commit, in this process (a stand-in for the
    broker and the worker); acknowledgements are left queued."""
    from apps.core.jobs import run as jobs

    def run_here(job_id: int) -> bool:
        if jobs.Job.objects.filter(pk=job_id, kind=SubjectRequest.JOB_KIND).exists():
            jobs.job_run(job_id=job_id)
        return True

    monkeypatch.setattr(jobs, "job_dispatch", run_here)


def test_wait_stops_when_the_request_waits_for_an_officer(transactional_db, customer, capsys, eager_execution):
    printed = run_command(capsys, "complaint", customer.email, "--wait", "--timeout", "30")

    assert printed[-1]["status"] == "in_progress"
    assert printed[-1]["awaiting"] == "officer"


def test_wait_follows_a_withdrawal_the_worker_starts_by_itself(transactional_db, customer, capsys, eager_execution):
    printed = run_command(capsys, "withdrawal", customer.email, "--wait", "--timeout", "30")

    assert printed[-1]["status"] == "completed"
    assert printed[-1]["outcome"]


# --- Through a real worker ------------------------------------------------------------------------


@pytest.mark.worker
def test_an_access_request_filed_with_wait_completes_through_the_worker(celery_worker_process, customer, capsys):
    printed = run_command(capsys, "access", customer.email, "--wait", "--timeout", "120")

    assert printed[0]["status"] == "open"
    final = printed[-1]
    assert final["status"] == "completed"
    assert final["closed_at"]
    assert "Your data" in final["outcome"]
    request = SubjectRequest.objects.get(reference=final["reference"])
    assert request.execution_state == "done"
    assert DataExport.objects.get(subject=customer).status == DataExport.Status.READY
    assert request in requests_for_subject(customer)
    assert [item.title for item in timeline(request, for_subject=True)] == [
        "Received: we're working on it",
        "We're working on it",
        "Done",
    ]


@pytest.mark.worker
def test_a_worker_killed_mid_erasure_is_recovered_by_the_reconciler(transactional_db):
    from apps.core.actors import SystemActor
    from apps.subject_requests.services.intake import subject_request_create
    from apps.subject_requests.services.workflow import subject_request_start
    from tests.personal_data.test_erasure_worker import with_login_events

    subject = with_login_events("killed-request@example.test", "killed", 400)
    worker = start_worker(env={"PERSONAL_DATA_ERASURE_BATCH_SIZE": "1"})
    workers = [worker]
    try:
        request, _ = subject_request_create(
            request_type="erasure",
            channel="email",
            actor=SystemActor("tests"),
            subject=subject,
            verification_method="officer",
        )
        subject_request_start(request=request, actor=SystemActor("tests"))

        def erasure() -> ErasureRun | None:
            return ErasureRun.objects.filter(request_reference=str(request.reference)).first()

        def mid_login_events() -> bool:
            run = erasure()
            state = (run.progress.get("tables", {}) if run else {}).get("accounts.LoginEvent", {})
            return state.get("live_last") is not None and not state.get("live_done")

        wait_until(mid_login_events)
        stop_worker(worker, signal.SIGKILL)  # the whole worker, as an OOM kill or a lost host would
        request.refresh_from_db()
        assert request.status == Status.IN_PROGRESS
        assert request.execution_state == "running"

        workers.append(start_worker(env={"PERSONAL_DATA_ERASURE_BATCH_SIZE": "1"}))
        # The filesystem broker deleted the message when the dead worker took it: nothing comes
        # back on its own. By the time beat's reconciler looks (every minute), the dead worker's
        # leases have run out (the request's job, and the erasure's it was carrying out).
        Job.objects.filter(lease_owner__gt="").update(lease_expires_at=timezone.now() - timedelta(seconds=1))
        assert request.job.pk in jobs_reconcile().lost_worker

        wait_until(lambda: SubjectRequest.objects.get(pk=request.pk).status == Status.COMPLETED)
    finally:
        for process in workers:
            stop_worker(process)

    request.refresh_from_db()
    assert request.attempts == 2
    runs = ErasureRun.objects.filter(request_reference=str(request.reference))
    assert runs.count() == 1  # resumed, not started again
    assert runs.get().status == ErasureRun.Status.COMPLETED
    assert User.objects.get(pk=subject.pk).is_active is False
    assert request.outcome.startswith("We erased your personal data")


def wait_until(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")
