"""Execution of every request type in the worker's service: to completion, seen by the subject, idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import OperationalError

from apps.consent.models import ConsentEvent, ConsentState, ProcessingRestriction, Purpose, Suppression
from apps.consent.selectors.ledger import is_restricted, may_contact
from apps.consent.services.ledger import Context, consent_set_choices
from apps.core.actors import SystemActor
from apps.core.clock import organisation_today, zone
from apps.core.jobs import job_run_here
from apps.personal_data.domain import address_hash
from apps.personal_data.models import DataExport, ErasureRun
from apps.retention.services.holds import legal_hold_place
from apps.subject_requests import execution
from apps.subject_requests.execution import subject_request_execute
from apps.subject_requests.models import Jurisdiction, RequestMessage, SubjectRequest
from apps.subject_requests.selectors.requests import requests_for_subject, timeline
from apps.subject_requests.services.intake import subject_request_create
from apps.subject_requests.services.requests import subject_request_transition
from apps.subject_requests.services.workflow import (
    rectification_apply,
    subject_request_approve,
    subject_request_complete,
    subject_request_start,
)
from tests.factories import UserFactory
from tests.helpers.jobs import JobsWritten

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status
SIGNED_IN = SubjectRequest.Verification.SIGNED_IN
TESTS = SystemActor("tests")


@pytest.fixture(autouse=True)
def queued(db):
    """What the services asked the worker to do: the request's jobs written (these tests run the service)."""
    return JobsWritten({SubjectRequest.JOB_KIND: "execute", SubjectRequest.ACKNOWLEDGEMENT_JOB_KIND: "acknowledge"})


def file(request_type: str, subject=None, *, email: str = "", scope=None, channel: str = "account") -> SubjectRequest:
    verification = SIGNED_IN if channel == "account" else SubjectRequest.Verification.OFFICER
    request, created = subject_request_create(
        request_type=request_type,
        channel=channel,
        actor=subject if channel == "account" else TESTS,
        subject=subject,
        requester_email=email,
        scope=scope or {},
        verification_method=verification,
    )
    assert created
    return request


def started(request_type: str, subject=None, *, officer=None, **kwargs) -> SubjectRequest:
    request = file(request_type, subject, **kwargs)
    if request.request_type not in ("withdrawal", "objection"):
        subject_request_start(request=request, actor=officer or TESTS)
    return request


def run(request: SubjectRequest, django_capture_on_commit_callbacks) -> SubjectRequest:
    with django_capture_on_commit_callbacks(execute=True):
        subject_request_execute(request_id=request.pk)
    request.refresh_from_db()
    return request


def grant(subject, *codes: str) -> None:
    consent_set_choices(
        choices={Purpose.objects.get(code=code): True for code in codes},
        context=Context(method=ConsentEvent.Method.ACCOUNT_PAGE),
        actor=subject,
        subject=subject,
    )


def assert_seen_by_subject(request: SubjectRequest, subject) -> None:
    assert request.status == Status.COMPLETED
    assert request.outcome
    assert request.closed_at is not None
    assert request in requests_for_subject(subject)
    titles = [item.title for item in timeline(request, for_subject=True)]
    assert titles[-1] == "Done"  # the customer's words (officers read "Completed")
    assert "We're working on it" in titles
    completed = [m for m in mail.outbox if request.short_reference in m.subject and "complete" in m.subject]
    assert completed, [m.subject for m in mail.outbox]
    assert completed[-1].to == [request.requester_email]
    assert request.outcome.splitlines()[0] in completed[-1].body


# --- Every type --------------------------------------------------------------------------------


def test_it_prepares_a_copy_for_an_access_request_and_says_until_when(customer, django_capture_on_commit_callbacks):
    request = run(started("access", customer), django_capture_on_commit_callbacks)

    export = DataExport.objects.get(subject=customer)
    assert export.status == DataExport.Status.READY
    assert request.execution["export"] == {"id": export.pk, "reference": str(export.reference)}
    assert f"{export.expires_at.astimezone(zone(request.jurisdiction.timezone)):%Y-%m-%d}" in request.outcome
    assert "Your data" in request.outcome
    # The rest of Art. 15 in words, the same as the export's rights page: retention, the rights
    # and where to use them, the supervisory authority, automated decisions.
    assert "How long we keep it" in request.outcome
    assert "/account/requests/new/rectification/" in request.outcome
    assert request.jurisdiction.authority_name in request.outcome
    assert "no decision about you by automated means alone" in request.outcome
    assert_seen_by_subject(request, customer)
    # One email for the event: the request's, with the download link; the export sends none of its own.
    assert [m.subject for m in mail.outbox if m.to == [customer.email]] == [
        f"[Privacy Portal] Your request {request.short_reference} is complete"
    ]


def test_it_prepares_a_machine_readable_copy_for_portability(customer, django_capture_on_commit_callbacks):
    request = run(started("portability", customer), django_capture_on_commit_callbacks)

    assert DataExport.objects.get(subject=customer).status == DataExport.Status.READY
    assert "machine-readable" in request.outcome
    assert_seen_by_subject(request, customer)


def test_it_erases_and_completes(customer, django_capture_on_commit_callbacks):
    request = run(started("erasure", customer), django_capture_on_commit_callbacks)

    erasure = ErasureRun.objects.get(request_reference=str(request.reference))
    assert erasure.status == ErasureRun.Status.COMPLETED
    assert request.execution["erasure"]["id"] == erasure.pk
    customer.refresh_from_db()
    assert (customer.is_active, customer.full_name) == (False, "")
    assert request.outcome.startswith("We erased your personal data")
    assert "legal obligation requires" not in request.outcome
    assert_seen_by_subject(request, customer)


def test_an_erasure_under_a_legal_hold_completes_saying_what_is_kept_and_why(
    customer, officer, django_capture_on_commit_callbacks
):
    legal_hold_place(
        subject=customer,
        actor=officer,
        reason="litigation",
        review_on=organisation_today() + timedelta(days=90),
        categories=["identity"],
        note="Case 2026/417 against the customer",
    )

    request = run(started("erasure", customer), django_capture_on_commit_callbacks)

    erasure = ErasureRun.objects.get(request_reference=str(request.reference))
    assert erasure.status == ErasureRun.Status.PARTIAL
    assert "A legal obligation requires us to keep some of your data" in request.outcome
    assert "Identity" in request.outcome
    assert "Litigation" in request.outcome
    hold_reference = erasure.certificate["holds"][0]["reference"]
    assert hold_reference not in request.outcome
    assert "2026/417" not in request.outcome
    assert officer.email not in request.outcome
    customer.refresh_from_db()
    assert customer.full_name == "Casey Customer"  # held
    assert_seen_by_subject(request, customer)


def test_it_restricts_all_processing_until_lifted(customer, django_capture_on_commit_callbacks):
    request = run(started("restriction", customer, scope={"all_processing": True}), django_capture_on_commit_callbacks)

    restriction = ProcessingRestriction.objects.get(subject=customer)
    assert restriction.purposes.count() == 0
    assert is_restricted(customer)
    assert request.execution["restriction"]["reference"] == str(restriction.reference)
    assert "all processing" in request.outcome
    assert "until it is lifted" in request.outcome
    assert_seen_by_subject(request, customer)


def test_it_restricts_the_chosen_purposes_placed_by_the_officer_who_started_it(
    customer, officer, django_capture_on_commit_callbacks
):
    grant(customer, "profiling", "newsletter")
    scope = {"all_processing": False, "purposes": ["profiling"]}  # as the customer's form sends it
    request = started("restriction", customer, officer=officer, scope=scope)
    request = run(request, django_capture_on_commit_callbacks)

    restriction = ProcessingRestriction.objects.get(subject=customer)
    assert [p.code for p in restriction.purposes.all()] == ["profiling"]
    assert restriction.placed_by == officer
    assert not may_contact(customer, channel="", purpose="profiling")
    assert may_contact(customer, channel="email", purpose="newsletter")
    assert "Profiling for offers" in request.outcome
    assert_seen_by_subject(request, customer)


def test_an_objection_to_direct_marketing_is_absolute_and_immediate(customer, django_capture_on_commit_callbacks):
    grant(customer, "newsletter", "marketing-post", "statistics")
    request = file("objection", customer, scope={"purposes": ["newsletter"]})
    assert request.status == Status.OPEN

    request = run(request, django_capture_on_commit_callbacks)

    refused = ConsentEvent.objects.filter(subject=customer, granted=False, method=ConsentEvent.Method.REQUEST)
    marketing = set(Purpose.objects.filter(is_marketing=True).values_list("code", flat=True))
    assert set(refused.values_list("purpose__code", flat=True)) == marketing
    channels = set(
        Suppression.objects.filter(address_hash=address_hash(customer.email), purpose_code="").values_list(
            "channel", flat=True
        )
    )
    assert channels == {"email", "post", "telephone"}
    for code in marketing:
        assert not may_contact(customer, channel=Purpose.objects.get(code=code).channel, purpose=code)
    assert ConsentState.objects.get(subject=customer, purpose__code="statistics").granted  # not marketing: kept
    assert "no direct marketing" in request.outcome
    assert_seen_by_subject(request, customer)


def test_an_objection_by_someone_without_an_account_suppresses_their_address(django_capture_on_commit_callbacks):
    request = file("objection", email="stranger@example.test", scope={"direct_marketing": True}, channel="letter")

    request = run(request, django_capture_on_commit_callbacks)

    assert request.status == Status.COMPLETED
    assert Suppression.objects.filter(address_hash=address_hash("stranger@example.test"), purpose_code="").count() == 3
    assert not ConsentEvent.objects.exists()


def test_an_objection_to_a_legitimate_interest_purpose_is_recorded(customer, django_capture_on_commit_callbacks):
    Purpose.objects.filter(code="statistics").update(legal_basis=Purpose.LegalBasis.LEGITIMATE_INTEREST)
    assert may_contact(customer, channel="", purpose="statistics")

    request = run(file("objection", customer, scope={"purposes": ["statistics"]}), django_capture_on_commit_callbacks)

    assert request.status == Status.COMPLETED
    assert not may_contact(customer, channel="", purpose="statistics")
    assert not Suppression.objects.exists()
    assert "Usage statistics" in request.outcome


def test_a_withdrawal_of_everything_withdraws_each_granted_consent(customer, django_capture_on_commit_callbacks):
    grant(customer, "newsletter", "personalisation")
    request = run(file("withdrawal", customer), django_capture_on_commit_callbacks)

    states = dict(ConsentState.objects.filter(subject=customer).values_list("purpose__code", "granted"))
    assert states == {"newsletter": False, "personalisation": False}
    events = ConsentEvent.objects.filter(subject=customer, method=ConsentEvent.Method.REQUEST)
    assert events.count() == 2
    assert sorted(request.execution["consent_events"]) == sorted(events.values_list("pk", flat=True))
    assert "Newsletter" in request.outcome
    assert "Personalisation" in request.outcome
    assert_seen_by_subject(request, customer)


def test_a_withdrawal_of_one_consent_keeps_the_others(customer, django_capture_on_commit_callbacks):
    grant(customer, "newsletter", "personalisation")
    request = run(
        file("withdrawal", customer, scope={"purposes": ["personalisation"]}), django_capture_on_commit_callbacks
    )

    states = dict(ConsentState.objects.filter(subject=customer).values_list("purpose__code", "granted"))
    assert states == {"newsletter": True, "personalisation": False}
    assert_seen_by_subject(request, customer)


def test_stop_processing_restricts_withdraws_and_suppresses(customer, django_capture_on_commit_callbacks):
    grant(customer, "newsletter", "profiling")
    request = run(started("stop_processing", customer), django_capture_on_commit_callbacks)

    assert ProcessingRestriction.objects.get(subject=customer).purposes.count() == 0
    assert not ConsentState.objects.filter(subject=customer, granted=True).exists()
    assert Suppression.objects.filter(address_hash=address_hash(customer.email), purpose_code="").count() == 3
    assert_seen_by_subject(request, customer)


def test_a_rectification_waits_for_the_officer_who_applies_the_accepted_fields(
    customer, officer, django_capture_on_commit_callbacks
):
    changes = {"full_name": "Casey Corrected", "phone": "+44 20 7946 0999"}
    request = run(started("rectification", customer, scope={"changes": changes}), django_capture_on_commit_callbacks)

    assert execution.awaiting_officer(request)
    assert request.messages.filter(kind=RequestMessage.Kind.INTERNAL, body__contains="full_name, phone").exists()
    customer.refresh_from_db()
    assert customer.full_name == "Casey Customer"
    assert subject_request_execute(request_id=request.pk).status == Status.IN_PROGRESS  # again: still waiting

    with django_capture_on_commit_callbacks(execute=True):
        rectification_apply(request=request, actor=officer, accepted=["full_name"], note="The number is verified.")

    request.refresh_from_db()
    customer.refresh_from_db()
    assert customer.full_name == "Casey Corrected"
    assert customer.phone != "+44 20 7946 0999"
    assert customer.history.first().history_user == officer
    assert "We corrected: full name." in request.outcome
    assert "We did not change: phone" in request.outcome
    assert "The number is verified." in request.outcome
    assert request.history.first().history_user == officer
    assert_seen_by_subject(request, customer)


def test_rectification_refuses_fields_not_proposed_or_not_editable(customer, officer, support_agent):
    request = started("rectification", customer, scope={"changes": {"full_name": "X", "email": "x@example.test"}})
    subject_request_execute(request_id=request.pk)

    with pytest.raises(ValidationError, match="Not among the proposed"):
        rectification_apply(request=request, actor=officer, accepted=["phone"])
    with pytest.raises(ValidationError, match="cannot be changed here"):
        rectification_apply(request=request, actor=officer, accepted=["email"])
    with pytest.raises(ValidationError, match="privacy officer"):
        rectification_apply(request=request, actor=support_agent, accepted=["full_name"])
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


def test_a_complaint_is_a_case_an_officer_completes_with_its_outcome(
    customer, officer, django_capture_on_commit_callbacks
):
    request = run(started("complaint", customer, channel="phone"), django_capture_on_commit_callbacks)
    assert execution.awaiting_officer(request)

    with pytest.raises(ValidationError):
        subject_request_complete(request=request, actor=officer, outcome="  ")
    with django_capture_on_commit_callbacks(execute=True):
        subject_request_complete(request=request, actor=officer, outcome="We apologised and changed the process.")

    request.refresh_from_db()
    assert request.outcome == "We apologised and changed the process."
    assert_seen_by_subject(request, customer)


@pytest.mark.parametrize("channel", ["account", "email", "phone", "letter"])
def test_a_withdrawal_runs_to_completion_whatever_its_channel(customer, channel, django_capture_on_commit_callbacks):
    grant(customer, "newsletter")
    request = run(file("withdrawal", customer, channel=channel), django_capture_on_commit_callbacks)

    assert request.channel == channel
    assert_seen_by_subject(request, customer)


# --- Without an account ----------------------------------------------------------------------


def test_an_access_request_without_an_account_says_no_data_is_held(django_capture_on_commit_callbacks):
    request = run(started("access", email="nobody@example.test", channel="email"), django_capture_on_commit_callbacks)

    assert request.status == Status.COMPLETED
    assert "We hold no personal data linked to nobody@example.test" in request.outcome
    assert not DataExport.objects.exists()


def test_an_erasure_without_an_account_waits_for_an_officer_when_the_address_is_found(
    django_capture_on_commit_callbacks,
):
    UserFactory(email="someone@example.test", mailing_address="c/o lost@example.test")

    request = run(started("erasure", email="lost@example.test", channel="letter"), django_capture_on_commit_callbacks)

    assert execution.awaiting_officer(request)
    assert request.messages.get(kind=RequestMessage.Kind.INTERNAL, body__contains="accounts_user")
    assert not ErasureRun.objects.exists()


# --- Lifecycle -------------------------------------------------------------------------------


def test_start_moves_an_open_request_in_progress_and_queues_it_after_commit(
    customer, officer, queued, django_capture_on_commit_callbacks
):
    request = file("access", customer)
    with django_capture_on_commit_callbacks(execute=True):
        subject_request_start(request=request, actor=officer)

    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert request.execution_state == "queued"
    assert request.execution["started_by"] == officer.pk
    assert ("execute", request.pk) in queued
    with pytest.raises(ValidationError):
        subject_request_start(request=request, actor=officer)


def test_an_open_request_not_started_by_an_officer_is_left_alone(customer):
    request = file("erasure", customer)

    assert subject_request_execute(request_id=request.pk).status == Status.OPEN
    assert not ErasureRun.objects.exists()
    assert subject_request_execute(request_id=10**9) is None


def test_immediate_types_go_open_in_progress_completed_in_one_execution(
    customer, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = file("withdrawal", customer)
    assert ("execute", request.pk) in queued  # queued at opening by services

    request = run(request, django_capture_on_commit_callbacks)

    statuses = [v.status for v in request.history.order_by("history_date", "history_id")]
    assert statuses == [Status.OPEN, Status.IN_PROGRESS, Status.COMPLETED]


def test_approval_needs_another_officer_then_completes_what_was_written(
    customer, officer, second_officer, django_capture_on_commit_callbacks
):
    request = run(started("complaint", customer), django_capture_on_commit_callbacks)
    subject_request_transition(
        request=request, to_status=Status.AWAITING_APPROVAL, actor=officer, reason="Check", outcome="Resolved."
    )

    with pytest.raises(ValidationError, match="Another officer"):
        subject_request_approve(request=request, actor=officer)
    with pytest.raises(ValidationError, match="awaits approval"):
        subject_request_complete(request=request, actor=officer, outcome="Bypass")
    with django_capture_on_commit_callbacks(execute=True):
        subject_request_approve(request=request, actor=second_officer)

    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert request.outcome == "Resolved."
    assert request.history.first().history_user == second_officer
    assert_seen_by_subject(request, customer)


def test_approval_of_a_request_not_yet_carried_out_queues_it(
    customer, officer, second_officer, queued, django_capture_on_commit_callbacks
):
    request = file("erasure", customer)
    subject_request_transition(request=request, to_status=Status.IN_PROGRESS, actor=officer, reason="Looking")
    subject_request_transition(request=request, to_status=Status.AWAITING_APPROVAL, actor=officer, reason="Erase?")
    assert subject_request_execute(request_id=request.pk).status == Status.AWAITING_APPROVAL  # not before approval
    assert not ErasureRun.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        subject_request_approve(request=request, actor=second_officer)

    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert ("execute", request.pk) in queued
    request = run(request, django_capture_on_commit_callbacks)
    assert request.status == Status.COMPLETED
    assert ErasureRun.objects.get().requested_by == second_officer  # who approved it acts through the engine


# --- Idempotency -----------------------------------------------------------------------------


@pytest.mark.parametrize("request_type", ["access", "erasure", "withdrawal", "stop_processing"])
def test_executing_twice_does_the_work_once(customer, request_type, django_capture_on_commit_callbacks):
    grant(customer, "newsletter")
    request = started(request_type, customer)

    first = run(request, django_capture_on_commit_callbacks)
    outbox = len(mail.outbox)
    second = run(request, django_capture_on_commit_callbacks)

    assert first.status == second.status == Status.COMPLETED
    assert second.outcome == first.outcome
    assert DataExport.objects.filter(subject=customer).count() == (1 if request_type == "access" else 0)
    assert ErasureRun.objects.count() == (1 if request_type == "erasure" else 0)
    assert ConsentEvent.objects.filter(method=ConsentEvent.Method.REQUEST).count() == (
        0 if request_type in ("access", "erasure") else 1
    )
    assert ProcessingRestriction.objects.count() == (1 if request_type == "stop_processing" else 0)
    assert len(mail.outbox) == outbox  # nobody is told twice
    assert [v.status for v in request.history.all()].count(Status.COMPLETED) == 1


def test_an_export_started_before_a_crash_is_resumed_not_doubled(customer, monkeypatch):
    from apps.personal_data.export import run as exports

    real_run = exports.export_run
    monkeypatch.setattr(exports, "export_run", lambda **kw: (_ for _ in ()).throw(RuntimeError("worker died")))
    request = started("access", customer)
    with pytest.raises(RuntimeError):
        job_run_here(kind=SubjectRequest.JOB_KIND, target=request.pk)  # a delivery of its job
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert request.execution_state == "running"
    assert "worker died" in request.execution["error"]
    export_id = request.execution["export"]["id"]

    monkeypatch.setattr(exports, "export_run", real_run)
    job_run_here(kind=SubjectRequest.JOB_KIND, target=request.pk)  # the next delivery of its job
    request.refresh_from_db()

    assert request.status == Status.COMPLETED
    assert list(DataExport.objects.values_list("pk", flat=True)) == [export_id]
    assert request.attempts == 2


def test_an_erasure_started_before_a_crash_is_resumed_not_doubled(customer, monkeypatch):
    from apps.personal_data.erasure import run as erasure

    real_run = erasure.erasure_run
    # The worker's database connection goes with it when it dies.
    died = OperationalError("server closed the connection unexpectedly")
    monkeypatch.setattr(erasure, "erasure_run", lambda **kw: (_ for _ in ()).throw(died))
    request = started("erasure", customer)
    with pytest.raises(OperationalError):
        subject_request_execute(request_id=request.pk)

    monkeypatch.setattr(erasure, "erasure_run", real_run)
    request = subject_request_execute(request_id=request.pk)

    assert request.status == Status.COMPLETED
    assert ErasureRun.objects.count() == 1
    assert ErasureRun.objects.get().status == ErasureRun.Status.COMPLETED


def test_unknown_purposes_are_left_to_an_officer(customer, django_capture_on_commit_callbacks):
    request = run(
        file("withdrawal", customer, scope={"purposes": ["no-such-purpose"]}), django_capture_on_commit_callbacks
    )

    assert execution.awaiting_officer(request)
    assert not ConsentEvent.objects.filter(method=ConsentEvent.Method.REQUEST).exists()


def test_withdrawing_one_marketing_consent_leaves_the_others(customer):
    from apps.consent.models import Purpose, Suppression
    from apps.consent.services.ledger import Context, consent_set_choices
    from apps.personal_data.domain import address_hash
    from apps.subject_requests.execution import subject_request_execute
    from apps.subject_requests.services.intake import subject_request_create

    email_marketing = list(Purpose.objects.filter(is_marketing=True, channel="email", is_active=True)[:2])
    assert len(email_marketing) == 2
    consent_set_choices(
        choices=dict.fromkeys(email_marketing, True),
        context=Context(method="account_page"),
        actor=customer,
        subject=customer,
    )
    request, _ = subject_request_create(
        request_type="withdrawal",
        channel="account",
        actor=customer,
        subject=customer,
        verification_method="signed_in",
        scope={"purposes": [email_marketing[0].code]},
    )
    subject_request_execute(request_id=request.pk)
    suppressions = Suppression.objects.filter(address_hash=address_hash(customer.email))
    assert list(suppressions.values_list("purpose_code", flat=True)) == [email_marketing[0].code]


# --- Whose day (apps/core/clock.py) ---------------------------------------------------------------


# Ready at 03:30 UTC on 1 January: the copy expires a week later, 19:30 on 7 January in California.
@time_machine.travel(datetime(2027, 1, 1, 3, 30, tzinfo=UTC), tick=False)
def test_it_says_until_when_the_copy_is_there_in_the_zone_of_the_requests_law(
    settings, customer, django_capture_on_commit_callbacks
):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    request, _created = subject_request_create(
        request_type="access",
        channel="account",
        actor=customer,
        subject=customer,
        verification_method=SIGNED_IN,
        jurisdiction=Jurisdiction.objects.get(code="us-ca"),
    )
    subject_request_start(request=request, actor=TESTS)

    request = run(request, django_capture_on_commit_callbacks)

    assert "until 2027-01-07 19:30 PST:" in request.outcome
    assert "2027-01-08" not in request.outcome  # neither UTC's date nor Hanoi's


def test_an_access_answer_names_the_authority_of_the_law_the_request_is_under(
    customer, django_capture_on_commit_callbacks
):
    # The account is in the UK, but the request was filed under the EU's law: the answer names
    # the EU's authority, not the ICO.
    assert customer.country == "GB"
    eu = Jurisdiction.objects.get(code="eu")
    request, created = subject_request_create(
        request_type="access",
        channel="account",
        actor=customer,
        subject=customer,
        verification_method=SIGNED_IN,
        jurisdiction=eu,
    )
    assert created
    assert request.jurisdiction == eu
    subject_request_start(request=request, actor=TESTS)
    request = run(request, django_capture_on_commit_callbacks)

    assert request.status == Status.COMPLETED
    assert eu.authority_name in request.outcome
    assert Jurisdiction.objects.get(code="uk").authority_name not in request.outcome
