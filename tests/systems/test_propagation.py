"""A request reaches every system that holds the data: told by signed webhook, by email, or by
an officer; the request completes only when all have confirmed; the certificate says so."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from apps.core.clock import organisation_today
from apps.core.jobs import job_run_here
from apps.core.models import WebhookEvent
from apps.core.webhooks import webhooks_relay
from apps.disclosures.models import Disclosure, Recipient
from apps.personal_data.models import ErasureRun
from apps.subject_requests.models import ExecutionState, SubjectRequest
from apps.subject_requests.registry import progress_of
from apps.subject_requests.services.workflow import rectification_apply
from apps.systems.domain import INSTRUCTIONS_JOB
from apps.systems.models import PropagationTask
from apps.systems.services import propagation_task_close
from tests.disclosures.factories import record
from tests.helpers import reauthenticate
from tests.subject_requests.test_execution import run, started
from tests.systems.conftest import callback, make_system

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status
State = PropagationTask.State


def task_of(request: SubjectRequest, system: Recipient) -> PropagationTask:
    return PropagationTask.objects.get(request=request, system=system)


def test_an_erasure_reaches_two_webhook_systems_and_one_by_email_and_completes_when_all_confirmed(
    customer, webhook_system, django_capture_on_commit_callbacks
):
    mailer, mailer_hook = webhook_system("Mail provider")
    _warehouse, warehouse_hook = webhook_system("Data warehouse", fail_first=2)
    make_system(
        "Support desk", connector=Recipient.Connector.EMAIL, privacy_contact_email="privacy@desk.example", language="vi"
    )
    unrelated = make_system("Print shop", connector=Recipient.Connector.EMAIL, categories_held=[],
                            privacy_contact_email="p@print.example")  # fmt: skip

    request = run(started("erasure", customer), django_capture_on_commit_callbacks)

    # The portal's own part is done; the request waits for the three systems.
    assert (request.status, request.execution_state) == (Status.IN_PROGRESS, ExecutionState.AWAITING_SYSTEMS)
    tasks = {t.system.name: t for t in PropagationTask.objects.filter(request=request).select_related("system")}
    assert set(tasks) == {"Mail provider", "Data warehouse", "Support desk"}
    assert not PropagationTask.objects.filter(system=unrelated).exists()
    assert progress_of(request)[0].summary == "0 of 3 systems have confirmed"

    relayed = webhooks_relay()
    assert (relayed.delivered, relayed.failed) == (2, 0)
    # Verified by the specification's own verifier; the warehouse answered 503 twice, then took it.
    assert len(mailer_hook.received) == 1
    assert len(warehouse_hook.received) == 3
    assert len(set(warehouse_hook.ids)) == 1  # one event, the same id on every retry
    event = mailer_hook.received[0]
    assert event["type"] == "privacy.request.erase"
    # Told before the portal erased the address, and nothing beyond what it was set to need.
    assert event["data"]["subject"] == {"email": "customer@example.test"}
    # Only the task's own reference: the request's would open the person's public status page.
    assert event["data"]["task"] == str(tasks["Mail provider"].reference)
    assert str(request.reference) not in json.dumps(event)
    assert WebhookEvent.objects.get(dedupe_key=f"systems.task:{tasks['Data warehouse'].pk}").attempts == 3
    # Delivered events keep no one's data, only the digest of what was sent.
    assert all(e.payload == {} and e.body_sha256 for e in WebhookEvent.objects.all())
    assert task_of(request, mailer).state == State.SENT

    with django_capture_on_commit_callbacks(execute=True):
        job_run_here(kind=INSTRUCTIONS_JOB, target=tasks["Support desk"].pk)
    [instructions] = [m for m in mail.outbox if m.to == ["privacy@desk.example"]]
    link = re.search(r"https?://\S+/systems/confirm/\S+/", instructions.body).group(0)
    assert "customer@example.test" in instructions.body
    assert str(request.reference) not in instructions.body
    assert str(tasks["Support desk"].reference) in instructions.body

    client = Client()
    answered = callback(client, event["data"], mailer_hook.secret, {"status": "done", "counts": {"contacts": 1}})
    assert answered.status_code == 200, answered.content
    answered = callback(client, warehouse_hook.received[0]["data"], warehouse_hook.secret, {"status": "nothing_held"})
    assert answered.status_code == 200
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert progress_of(request)[0].summary == "2 of 3 systems have confirmed"

    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200
    assert str(request.reference) not in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post("/" + path, {"answer": "done"})
    assert confirmed.status_code == 200
    assert client.post("/" + path, {"answer": "done"}).status_code == 404  # one time only

    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert request.execution_state == ExecutionState.DONE
    assert "We erased your personal data" in request.outcome
    run_ = ErasureRun.objects.get(pk=request.execution["erasure"]["id"])
    listed = {s["system"]: s for s in run_.certificate["systems"]}
    assert set(listed) == {"Mail provider", "Data warehouse", "Support desk"}
    assert listed["Mail provider"]["told_by"] == "webhook"
    assert listed["Mail provider"]["told_at"]
    assert listed["Mail provider"]["counts"] == {"contacts": 1}
    assert listed["Data warehouse"]["state"] == "nothing_held"
    assert listed["Support desk"]["told_by"] == "email"
    assert listed["Support desk"]["answered_at"]
    assert "customer@example.test" not in json.dumps(run_.certificate)

    out = StringIO()
    call_command("propagation_status", str(request.reference), stdout=out)
    status = json.loads(out.getvalue())
    assert (status["confirmed"], status["total"], status["status"]) == (3, 3, "completed")


def test_the_same_step_twice_tells_no_system_twice(customer, webhook_system, django_capture_on_commit_callbacks):
    _system, hook = webhook_system("Analytics")
    request = run(started("erasure", customer), django_capture_on_commit_callbacks)
    from apps.systems.services import propagation_fan_out

    assert propagation_fan_out(request=request) == []
    webhooks_relay()
    webhooks_relay()
    assert len(hook.received) == 1
    assert WebhookEvent.objects.count() == PropagationTask.objects.count() == 1


def test_a_rectification_reaches_exactly_the_recipients_in_the_register_for_that_person(
    customer, other_customer, officer, webhook_system, client_as, django_capture_on_commit_callbacks
):
    told, told_hook = webhook_system("Partner told", categories_held=[], role=Recipient.Role.RECIPIENT)
    other, other_hook = webhook_system("Partner of someone else", categories_held=[], role=Recipient.Role.RECIPIENT)
    by_hand = make_system("Auditor with no connector", connector="", role=Recipient.Role.RECIPIENT)
    record(actor=officer, subjects=[customer], recipient=told, data_categories=["identity", "contact"])
    record(actor=officer, subjects=[customer], recipient=by_hand)
    record(actor=officer, subjects=[other_customer], recipient=other)
    secret_court, _hook = webhook_system("Court told in secret", categories_held=[], role=Recipient.Role.RECIPIENT)
    record(actor=officer, subjects=[customer], recipient=secret_court, visibility=Disclosure.Visibility.WITHHELD,
           withheld_reason="The order forbids telling the subject",
           withheld_review_date=organisation_today() + timedelta(days=90))  # fmt: skip

    request = run(started("rectification", customer, scope={"changes": {"full_name": "Casey Right"}}),
                  django_capture_on_commit_callbacks)  # fmt: skip
    assert not PropagationTask.objects.filter(request=request).exists()  # not before the officer applies it
    with django_capture_on_commit_callbacks(execute=True):
        rectification_apply(request=request, actor=officer, accepted=["full_name"])

    tasks = {t.system.name: t for t in PropagationTask.objects.filter(request=request).select_related("system")}
    assert set(tasks) == {"Partner told", "Auditor with no connector", "Court told in secret"}
    assert tasks["Auditor with no connector"].connector == Recipient.Connector.MANUAL
    assert {t.why for t in tasks.values()} == {PropagationTask.Why.REGISTER}
    webhooks_relay()
    assert other_hook.received == []
    assert told_hook.received[0]["data"]["changes"] == {"full_name": "Casey Right"}
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS

    callback(Client(), told_hook.received[0]["data"], told_hook.secret, {"status": "done"})
    callback(Client(), _hook.received[0]["data"], _hook.secret, {"status": "done"})
    with django_capture_on_commit_callbacks(execute=True):
        propagation_task_close(
            task=tasks["Auditor with no connector"], actor=officer, reason="Told by phone; no reply."
        )
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    # The person may see which recipients were told (Art. 19), but not one the register withholds
    # from them (P-22): in Your Account, not on the page anyone with the reference opens.
    # The auditor's task was closed by an officer, not confirmed: not listed, not counted as confirmed.
    assert progress_of(request)[0].recipients_told == ["Partner told"]
    public = Client().get(reverse("subject_requests:status", args=[request.reference])).content.decode()
    assert "2 of 3 systems have confirmed; 1 closed by an officer" in public
    assert "Partner told" not in public
    own = reauthenticate(client_as("customer")).get(reverse("subject_requests:detail", args=[request.reference]))
    assert "Partner told" in own.content.decode()
    assert "Court told in secret" not in own.content.decode()


def test_only_recipients_really_told_are_listed_to_the_person(
    settings, customer, officer, webhook_system, django_capture_on_commit_callbacks
):
    from apps.systems.services import propagation_task_confirm

    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    down, _down_hook = webhook_system("Partner never reached", fail_first=99, categories_held=[],
                                      role=Recipient.Role.RECIPIENT)  # fmt: skip
    by_hand = make_system("Partner told by hand", connector="", role=Recipient.Role.RECIPIENT)
    record(actor=officer, subjects=[customer], recipient=down)
    record(actor=officer, subjects=[customer], recipient=by_hand)
    request = run(started("rectification", customer, scope={"changes": {"full_name": "Casey Right"}}),
                  django_capture_on_commit_callbacks)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        rectification_apply(request=request, actor=officer, accepted=["full_name"])
    assert webhooks_relay().failed == 1

    # The webhook was given up (never told); the manual task is only the officers' to-do so far.
    assert progress_of(request)[0].recipients_told == []
    with django_capture_on_commit_callbacks(execute=True):
        propagation_task_confirm(task=task_of(request, by_hand), actor=officer, note="Their DPO confirmed by phone.")
        propagation_task_close(task=task_of(request, down), actor=officer, reason="Endpoint retired; told by letter.")
    progress = progress_of(request)[0]
    assert progress.recipients_told == ["Partner told by hand"]
    assert progress.summary == "1 of 2 systems have confirmed; 1 closed by an officer"


def test_a_rectification_sends_each_system_only_the_corrections_to_data_it_holds(
    customer, officer, webhook_system, django_capture_on_commit_callbacks
):
    _names, names_hook = webhook_system("Identity service", categories_held=["identity"])
    _phones, phones_hook = webhook_system("SMS gateway", categories_held=["contact"])
    changes = {"full_name": "Casey Right", "phone": "+44 20 7946 0000"}
    request = run(started("rectification", customer, scope={"changes": changes}), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        rectification_apply(request=request, actor=officer, accepted=["full_name", "phone"])
    webhooks_relay()
    assert names_hook.received[0]["data"]["changes"] == {"full_name": "Casey Right"}
    assert phones_hook.received[0]["data"]["changes"] == {"phone": "+44 20 7946 0000"}


def test_a_system_that_finds_people_by_what_the_request_lacks_is_left_to_an_officer(
    webhook_system, django_capture_on_commit_callbacks
):
    from apps.systems.services import propagation_fan_out
    from tests.subject_requests.test_execution import file

    by_account, hook = webhook_system("Loyalty platform", identifiers=["account_id", "subject_reference"])
    by_email, email_hook = webhook_system("Newsletter tool", identifiers=["email"])
    request = file("erasure", email="no-account@example.test", channel="email")
    with django_capture_on_commit_callbacks(execute=True):
        propagation_fan_out(request=request)
    webhooks_relay()

    manual = task_of(request, by_account)
    assert manual.connector == Recipient.Connector.MANUAL
    assert "account_id, subject_reference" in manual.note
    assert hook.received == []  # no event that names nobody
    assert task_of(request, by_email).connector == Recipient.Connector.WEBHOOK
    assert email_hook.received[0]["data"]["subject"] == {"email": "no-account@example.test"}
