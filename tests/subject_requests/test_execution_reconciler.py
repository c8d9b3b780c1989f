"""A request's execution is a background job (apps/core/jobs/): what the one reconciler sends
again when a worker or its message is lost, when it gives up, and the command."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core.actors import SystemActor
from apps.core.jobs import job_run_here, jobs_reconcile
from apps.core.models import Job
from apps.subject_requests.execution import subject_request_execute
from apps.subject_requests.models import ExecutionState, RequestMessage, SubjectRequest
from apps.subject_requests.services.intake import subject_request_create
from apps.subject_requests.services.workflow import subject_request_start

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status
TESTS = SystemActor("tests")
MAX_ATTEMPTS = 6


def file(request_type: str, email: str, *, received_at: datetime | None = None) -> SubjectRequest:
    request, _created = subject_request_create(
        request_type=request_type,
        channel="email",
        actor=TESTS,
        requester_email=email,
        received_at=received_at,
        verification_method=SubjectRequest.Verification.OFFICER,
    )
    return request


def worker_died(request: SubjectRequest) -> Job:
    """Its job was claimed by a worker that died: the lease ran out with no sign of life."""
    job = request.job
    assert job is not None
    gone = timezone.now() - timedelta(seconds=1)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, attempts=1, lease_owner="dead", lease_expires_at=gone)
    return job


def test_it_sends_again_an_execution_lost_with_its_worker_and_counts_the_attempt(customer):
    request, _ = subject_request_create(
        request_type="access", channel="account", actor=customer, subject=customer, verification_method="signed_in"
    )
    subject_request_start(request=request, actor=TESTS)
    assert request.job.pk not in jobs_reconcile(dry_run=True).jobs  # queued a moment ago: on its way

    job = worker_died(request)
    assert jobs_reconcile(dry_run=True).lost_worker == [job.pk]
    assert jobs_reconcile().lost_worker == [job.pk]
    # The message is sent after the commit; here the transaction is the test's, so run it by hand.
    job_run_here(kind=SubjectRequest.JOB_KIND, target=request.pk)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert request.attempts == 2
    assert jobs_reconcile(dry_run=True).jobs == []


def test_a_withdrawal_whose_message_was_lost_is_sent_again(customer):
    request, _ = subject_request_create(
        request_type="withdrawal", channel="account", actor=customer, subject=customer, verification_method="signed_in"
    )
    assert request.status == Status.OPEN
    job = request.job  # written at opening, with the acknowledgement's
    Job.objects.filter(pk=job.pk).update(dispatched_at=timezone.now() - timedelta(minutes=31))
    assert jobs_reconcile(dry_run=True).lost_message == [job.pk]
    other_open = file("erasure", "y@example.test")  # officers start these: no job while open
    assert other_open.job is None


def test_it_leaves_alone_what_is_waiting_for_an_officer_or_was_done_by_hand(customer):
    rectification = file("rectification", "r@example.test")
    subject_request_start(request=rectification, actor=TESTS)
    job_run_here(kind=SubjectRequest.JOB_KIND, target=rectification.pk)  # now awaits an officer
    by_hand = file("complaint", "c@example.test")
    by_hand.status = Status.IN_PROGRESS  # moved by an officer without the worker
    by_hand.save()

    rectification.refresh_from_db()
    assert rectification.execution_state == ExecutionState.AWAITING_OFFICER
    assert rectification.job.state == Job.State.DONE
    assert by_hand.job is None
    assert jobs_reconcile(dry_run=True).jobs == []


def test_it_gives_up_after_a_few_tries_with_a_note_for_officers():
    request = file("access", "gone@example.test")
    subject_request_start(request=request, actor=TESTS)
    Job.objects.filter(pk=request.job.pk).update(attempts=MAX_ATTEMPTS, last_error="RuntimeError: worker killed")

    job = job_run_here(kind=SubjectRequest.JOB_KIND, target=request.pk)

    assert job.state == Job.State.FAILED
    request.refresh_from_db()
    assert request.execution_state == ExecutionState.GAVE_UP
    assert request.status == Status.IN_PROGRESS
    note = request.messages.get(kind=RequestMessage.Kind.INTERNAL)
    assert f"after {MAX_ATTEMPTS} attempts" in note.body
    assert "worker killed" in note.body
    assert jobs_reconcile(dry_run=True).jobs == []


def test_an_error_is_tried_again_not_failed_at_once(monkeypatch):
    from apps.subject_requests import execution

    request = file("access", "error@example.test")
    subject_request_start(request=request, actor=TESTS)
    monkeypatch.setitem(execution.HANDLERS, "access", lambda r: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        job_run_here(kind=SubjectRequest.JOB_KIND, target=request.pk)
    request.refresh_from_db()
    assert (request.job.state, request.job.attempts) == (Job.State.QUEUED, 1)
    assert request.execution["error"] == "RuntimeError: boom"
    assert request.execution_state == ExecutionState.RUNNING


def test_the_reconcile_command_lists_and_sends(capsys):
    request = file("access", "cmd@example.test")
    subject_request_start(request=request, actor=TESTS)
    job = worker_died(request)

    call_command("reconcile", "--dry-run")
    assert json.loads(capsys.readouterr().out)["lost_worker"] == [job.pk]
    assert Job.objects.get(pk=job.pk).dispatched_at is None

    call_command("reconcile")
    assert json.loads(capsys.readouterr().out)["lost_worker"] == [job.pk]
    assert Job.objects.get(pk=job.pk).dispatched_at is not None
    assert subject_request_execute(request_id=request.pk) is not None
