"""The completion gate holds against the officers' steps: while other systems have yet to
confirm, no step finishes the request past them (complete, send for approval, approve)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.subject_requests.admin.workflow import available_steps
from apps.subject_requests.models import ExecutionState, SubjectRequest
from apps.subject_requests.services.workflow import (
    subject_request_approve,
    subject_request_complete,
    subject_request_step_take,
)
from tests.subject_requests.test_execution import run, started

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status


@pytest.fixture
def waiting(customer, webhook_system, django_capture_on_commit_callbacks):
    webhook_system("Mail provider")
    request = run(started("erasure", customer), django_capture_on_commit_callbacks)
    assert (request.status, request.execution_state) == (Status.IN_PROGRESS, ExecutionState.AWAITING_SYSTEMS)
    return request


def test_no_step_that_would_finish_the_request_is_offered_while_systems_confirm(waiting, officer):
    codes = {step.code for step in available_steps(waiting, officer)}
    assert not codes & {"send_for_approval", "approve", "complete"}


def test_the_services_refuse_to_finish_a_request_while_systems_confirm(waiting, officer, second_officer):
    with pytest.raises(ValidationError, match="not all confirmed"):
        subject_request_step_take(request=waiting, step="send_for_approval", actor=officer, reason="Looks done")
    with pytest.raises(ValidationError, match="not all confirmed"):
        subject_request_complete(request=waiting, actor=officer, outcome="Done")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.execution_state) == (Status.IN_PROGRESS, ExecutionState.AWAITING_SYSTEMS)

    # A request sent for approval before it came to wait (an older release let it) is not approved past the gate.
    SubjectRequest.objects.filter(pk=waiting.pk).update(status=Status.AWAITING_APPROVAL, outcome="Done")
    waiting.refresh_from_db()
    assert "approve" not in {step.code for step in available_steps(waiting, second_officer)}
    with pytest.raises(ValidationError, match="not all confirmed"):
        subject_request_approve(request=waiting, actor=second_officer)
    waiting.refresh_from_db()
    assert waiting.status == Status.AWAITING_APPROVAL
