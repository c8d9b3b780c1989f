"""The reconciler of lost executions (a periodic job): what it re-queues, when it gives up, its command."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from apps.core.actors import SystemActor
from apps.subject_requests.execution import subject_request_execute
from apps.subject_requests.models import RequestMessage, SubjectRequest
from apps.subject_requests.selectors.execution import stuck_requests
from apps.subject_requests.services.execution import MAX_REQUEUES, subject_requests_requeue_stuck
from apps.subject_requests.services.intake import subject_request_create
from apps.subject_requests.services.workflow import (
    subject_request_start,
)

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status
TESTS = SystemActor("tests")


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    from apps.subject_requests import tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks.execute_task, "delay", lambda pk: sent.append(pk))
    monkeypatch.setattr(tasks.acknowledge_task, "delay", lambda pk: None)
    return sent


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


# --- Reconciler -----------------------------------------------------------------------------------


def test_it_requeues_an_execution_lost_with_its_worker_and_records_the_attempt(customer, queued):
    request, _ = subject_request_create(
        request_type="access", channel="account", actor=customer, subject=customer, verification_method="signed_in"
    )
    subject_request_start(request=request, actor=TESTS)
    queued.clear()

    assert subject_requests_requeue_stuck() == []  # queued a moment ago: not stuck yet
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert [r.pk for r in subject_requests_requeue_stuck(dry_run=True)] == [request.pk]
        assert queued == []
        requeued = subject_requests_requeue_stuck()

    assert [r.pk for r in requeued] == [request.pk]
    request.refresh_from_db()
    assert request.execution["requeues"] == 1
    assert request.execution["requeued_at"]
    # The task is sent after the commit; here the transaction is the test's, so run it by hand.
    request = subject_request_execute(request_id=request.pk)
    assert request.status == Status.COMPLETED
    assert stuck_requests(older_than=timedelta(0)) == []


def test_it_requeues_after_commit(customer, queued, django_capture_on_commit_callbacks):
    request = file("erasure", "x@example.test")
    subject_request_start(request=request, actor=TESTS)
    queued.clear()

    with django_capture_on_commit_callbacks(execute=True):
        subject_requests_requeue_stuck(older_than=timedelta(0))

    assert queued == [request.pk]


def test_a_withdrawal_never_started_because_its_message_was_lost_is_requeued(customer, queued):
    request, _ = subject_request_create(
        request_type="withdrawal", channel="account", actor=customer, subject=customer, verification_method="signed_in"
    )
    assert request.status == Status.OPEN
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert [r.pk for r in subject_requests_requeue_stuck()] == [request.pk]
    other_open = file("erasure", "y@example.test")  # officers start these: never re-queued while open
    assert other_open not in stuck_requests(older_than=timedelta(0))


def test_it_leaves_alone_what_is_waiting_for_an_officer_running_or_closed(customer):
    rectification = file("rectification", "r@example.test")
    subject_request_start(request=rectification, actor=TESTS)
    subject_request_execute(request_id=rectification.pk)  # now awaits an officer
    by_hand = file("complaint", "c@example.test")
    by_hand.status = Status.IN_PROGRESS  # moved by an officer without the worker
    by_hand.save()

    assert stuck_requests(older_than=timedelta(0)) == []


def test_it_gives_up_after_a_few_requeues_with_a_note_for_officers(queued):
    request = file("access", "gone@example.test")
    subject_request_start(request=request, actor=TESTS)

    for _attempt in range(MAX_REQUEUES):
        assert len(subject_requests_requeue_stuck(older_than=timedelta(0))) == 1
    assert subject_requests_requeue_stuck(older_than=timedelta(0)) == []

    request.refresh_from_db()
    assert request.execution["state"] == "gave_up"
    assert request.status == Status.IN_PROGRESS
    note = request.messages.get(kind=RequestMessage.Kind.INTERNAL)
    assert f"after {MAX_REQUEUES + 1} tries" in note.body
    assert stuck_requests(older_than=timedelta(0)) == []


def test_the_reconcile_command_lists_and_requeues(queued, capsys):
    request = file("access", "cmd@example.test")
    subject_request_start(request=request, actor=TESTS)

    call_command("reconcile_subject_requests", "--dry-run", "--minutes", "0")
    assert json.loads(capsys.readouterr().out) == {"dry_run": True, "requests": [str(request.reference)]}
    request.refresh_from_db()
    assert "requeues" not in request.execution

    call_command("reconcile_subject_requests", "--minutes", "0")
    assert json.loads(capsys.readouterr().out)["requests"] == [str(request.reference)]
    request.refresh_from_db()
    assert request.execution["requeues"] == 1
