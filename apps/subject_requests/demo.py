"""Demo requests for `make run`: one in each state an officer meets, due dates spread out.

Idempotent: nothing is added when demo requests exist already. Requests go through the
services (deadlines, history, duplicates) with their received time in the past, so the
list shows an overdue one, one due soon and a closed one.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_noop

from apps.accounts.demo import DemoSeed
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.services.intake import subject_request_create, subject_request_issue_confirmation
from apps.subject_requests.services.requests import subject_request_message, subject_request_transition
from apps.subject_requests.services.workflow import subject_requests_assign

OFFICER_CHECK = "officer"


def seed(demo: DemoSeed) -> None:
    officer, customers = demo.officer, demo.customers
    if SubjectRequest.objects.filter(requester_email__endswith="@demo.example").exists():
        return
    now = timezone.now()
    alice, bao = customers[0], customers[1]
    access, _ = subject_request_create(
        request_type="access",
        channel="account",
        actor=alice,
        subject=alice,
        verification_method="signed_in",
        details="Please send me a copy of everything you hold about me.",
        received_at=now - timedelta(days=3),
    )
    subject_request_message(request=access, actor=officer, body="Thank you, we are preparing your copy.")
    withdrawal, _ = subject_request_create(
        request_type="withdrawal",
        channel="account",
        actor=bao,
        subject=bao,
        verification_method="signed_in",
        scope={"purposes": ["newsletter"]},
        received_at=now - timedelta(days=20),
    )
    subject_request_transition(request=withdrawal, to_status="in_progress", actor=officer, reason="Started")
    subject_request_transition(
        request=withdrawal,
        to_status="completed",
        actor=officer,
        reason="Consent withdrawn",
        outcome=gettext_noop("We recorded the withdrawal of your consent to the newsletter."),
    )
    complaint, _ = subject_request_create(
        request_type="complaint",
        channel="phone",
        actor=officer,
        requester_email="caller@demo.example",
        requester_name="Chris Caller",
        verification_method=OFFICER_CHECK,
        verification_note="Answered two questions about the account's recent activity.",
        details="Received a marketing email after unsubscribing.",
        received_at=now - timedelta(days=25),
    )
    subject_requests_assign(requests=[complaint], assignee=officer, actor=officer)
    erasure, _ = subject_request_create(
        request_type="erasure",
        channel="letter",
        actor=officer,
        requester_email="letter@demo.example",
        requester_name="Lee Letter",
        verification_method=OFFICER_CHECK,
        verification_note="Signature matched the one on file; address confirmed by return letter.",
        received_at=now - timedelta(days=40),
    )
    subject_request_transition(request=erasure, to_status="in_progress", actor=officer, reason="Started")
    public, _ = subject_request_create(
        request_type="objection",
        channel="web_form",
        actor=None,
        requester_email="visitor@demo.example",
        requester_name="Val Visitor",
        details="Stop profiling me for recommendations.",
    )
    subject_request_issue_confirmation(request=public)
