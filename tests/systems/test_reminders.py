"""Silent systems: reminded before their deadline, officers told after it, once each."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apps.core.jobs import job_run_here
from apps.disclosures.models import Recipient
from apps.subject_requests.models import RequestMessage
from apps.systems.domain import INSTRUCTIONS_JOB
from apps.systems.models import PropagationTask
from apps.systems.selectors import overdue_system_tasks
from apps.systems.services import systems_remind
from tests.subject_requests.test_execution import run, started
from tests.systems.conftest import make_system

pytestmark = pytest.mark.django_db


def links(message) -> list[str]:
    return [
        "/" + u.split("://", 1)[1].split("/", 1)[1]
        for u in re.findall(r"https?://\S+/systems/confirm/\S+/", message.body)
    ]


def test_a_silent_system_is_reminded_then_officers_are_told_once(customer, officer, django_capture_on_commit_callbacks):
    make_system("Survey tool", connector=Recipient.Connector.EMAIL, privacy_contact_email="dpo@survey.example",
                deadline_days=5)  # fmt: skip
    request = run(started("erasure", customer), django_capture_on_commit_callbacks)
    task = PropagationTask.objects.get(request=request)
    job_run_here(kind=INSTRUCTIONS_JOB, target=task.pk)
    [first] = [m for m in mail.outbox if m.to == ["dpo@survey.example"]]
    assert systems_remind().as_dict() == {"systems": [], "officers": [], "resumed": []}  # not due yet

    with time_machine.travel(timezone.now() + timedelta(days=4)):
        assert systems_remind().systems == [task.pk]
        assert systems_remind().systems == []  # once
    reminder = [m for m in mail.outbox if m.to == ["dpo@survey.example"]][-1]
    assert "Reminder" in reminder.subject
    assert "customer@example.test" not in reminder.body  # the identifiers went with the first email only
    assert Client().get(links(first)[0]).status_code == 404  # the reminder's link replaced it
    assert Client().get(links(reminder)[0]).status_code == 200

    with time_machine.travel(timezone.now() + timedelta(days=6)):
        assert list(overdue_system_tasks()) == [task]
        call_command("remind_systems", "--dry-run")  # says, sends nothing
        assert systems_remind().officers == [task.pk]
        assert systems_remind().officers == []
    assert request.messages.filter(kind=RequestMessage.Kind.INTERNAL, body__contains="Survey tool").count() == 1
    assert [m for m in mail.outbox if m.to == [officer.email] and "Survey tool" in m.body]


def test_the_home_page_shows_systems_silent_past_their_deadline(customer, officer, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from tests.core.test_workspace import listed, tile, tile_link
    from tests.helpers import sign_in

    make_system("Survey tool", connector=Recipient.Connector.MANUAL, deadline_days=5)
    request = run(started("erasure", customer), django_capture_on_commit_callbacks)
    client = Client()
    sign_in(client, officer)
    assert 'id="tile-silent_systems"' not in client.get(reverse("admin:index")).content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        sign_in(client, officer)
        body = client.get(reverse("admin:index")).content.decode()
        count, url = tile_link(body, "silent_systems")
        assert count == 1 == listed(client, url)
    assert "Survey tool" in tile(body, "silent_systems")
    assert request.short_reference in tile(body, "silent_systems")


def test_a_request_whose_systems_all_settled_without_resuming_it_is_resumed_by_the_sweep(
    customer, webhook_system, django_capture_on_commit_callbacks
):
    # Two systems answered at the same moment and each saw the other still open: both tasks are
    # settled, nobody resumed the request. The hourly sweep finds it and completes it.
    webhook_system("Mail provider")
    webhook_system("Data warehouse")
    request = run(started("erasure", customer), django_capture_on_commit_callbacks)
    assert request.execution_state == "awaiting_systems"
    PropagationTask.objects.filter(request=request).update(state=PropagationTask.State.CONFIRMED)

    assert systems_remind(dry_run=True).resumed == [request.pk]
    request.refresh_from_db()
    assert request.status == "in_progress"  # a dry run changes nothing
    assert systems_remind().resumed == [request.pk]
    request.refresh_from_db()
    assert (request.status, request.execution_state) == ("completed", "done")
    assert systems_remind().resumed == []


def test_the_sweep_leaves_a_request_whose_system_is_still_open(
    customer, webhook_system, django_capture_on_commit_callbacks
):
    webhook_system("Mail provider")
    webhook_system("Data warehouse")
    request = run(started("erasure", customer), django_capture_on_commit_callbacks)
    first = PropagationTask.objects.filter(request=request).order_by("pk").first()
    PropagationTask.objects.filter(pk=first.pk).update(state=PropagationTask.State.CONFIRMED)
    assert systems_remind().resumed == []
    request.refresh_from_db()
    assert request.execution_state == "awaiting_systems"


def test_the_overdue_note_gives_the_deadline_on_the_organisations_clock_and_names_the_zone(
    settings, customer, officer, django_capture_on_commit_callbacks
):
    from apps.core.clock import organisation_time

    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    make_system("Survey tool", connector=Recipient.Connector.EMAIL, privacy_contact_email="dpo@survey.example",
                deadline_days=5)  # fmt: skip
    request = run(started("erasure", customer), django_capture_on_commit_callbacks)
    task = PropagationTask.objects.get(request=request)
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        assert systems_remind().officers == [task.pk]
    note = request.messages.get(kind=RequestMessage.Kind.INTERNAL, body__contains="Survey tool").body
    assert f"{organisation_time(task.deadline_at):%Y-%m-%d %H:%M} Asia/Ho_Chi_Minh" in note
    assert "UTC" not in note


def test_an_officers_close_retires_the_emailed_link(customer, officer, django_capture_on_commit_callbacks):
    from apps.systems.services import propagation_task_close

    make_system("Survey tool", connector=Recipient.Connector.EMAIL, privacy_contact_email="dpo@survey.example")
    request = run(started("erasure", customer), django_capture_on_commit_callbacks)
    task = PropagationTask.objects.get(request=request)
    job_run_here(kind=INSTRUCTIONS_JOB, target=task.pk)
    [email] = [m for m in mail.outbox if m.to == ["dpo@survey.example"]]
    assert Client().get(links(email)[0]).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        propagation_task_close(task=task, actor=officer, reason="Their DPO confirmed by phone.")
    assert Client().get(links(email)[0]).status_code == 404
