"""The officers' daily reminder (a periodic job), and both periodic jobs in the beat schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from apps.core.actors import SystemActor
from apps.subject_requests.domain import end_of_day
from apps.subject_requests.models import Jurisdiction, SubjectRequest
from apps.subject_requests.selectors.reminders import reminders_due
from apps.subject_requests.services.intake import subject_request_create
from apps.subject_requests.services.reminders import subject_requests_remind
from apps.subject_requests.services.workflow import (
    subject_request_pause,
    subject_requests_assign,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status
TESTS = SystemActor("tests")


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


def due_in(request: SubjectRequest, delta: timedelta, now: datetime) -> SubjectRequest:
    SubjectRequest.objects.filter(pk=request.pk).update(due_at=now + delta)
    request.refresh_from_db()
    return request


# --- Reminders -----------------------------------------------------------------------------------


# Mid-morning: three hours later is still the same day, a day later the next one, whatever
# the hour the suite runs at.
MORNING = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


@time_machine.travel(MORNING, tick=False)
def test_it_reminds_the_assignee_of_their_requests_due_soon_and_overdue_once_a_day(officer, second_officer):
    now = timezone.now()
    soon = due_in(file("access", "a@example.test"), timedelta(days=2), now)
    late = due_in(file("erasure", "b@example.test"), timedelta(days=-1), now)
    later = due_in(file("restriction", "c@example.test"), timedelta(days=10), now)
    subject_requests_assign(requests=[soon, late, later], assignee=second_officer, actor=officer)

    with time_machine.travel(now, tick=False):
        sent = subject_requests_remind()

    assert len(sent) == 1
    assert sent[0].recipient == second_officer
    assert [r.pk for r in sent[0].overdue] == [late.pk]
    assert [r.pk for r in sent[0].due_soon] == [soon.pk]
    (message,) = mail.outbox
    assert message.to == [second_officer.email]
    assert "1 subject request overdue, 1 due within 3 days" in message.subject
    assert late.short_reference in message.body
    assert soon.short_reference in message.body
    assert later.short_reference not in message.body
    assert "a@example.test" not in message.body  # no customer data in the reminder
    assert f"/admin/subject_requests/subjectrequest/{late.pk}/" in message.body

    with time_machine.travel(now + timedelta(hours=3), tick=False):
        assert subject_requests_remind() == []  # the same day: nothing again
    assert len(mail.outbox) == 1
    with time_machine.travel(now + timedelta(days=1), tick=False):
        again = subject_requests_remind()
    assert {r.pk for r in again[0].requests} == {soon.pk, late.pk}


def test_unassigned_requests_go_to_every_privacy_officer_in_their_language(officer, second_officer):
    second_officer.preferred_language = "vi"
    second_officer.save()
    UserFactory(email="customer-not-staff@example.test")
    now = timezone.now()
    request = due_in(file("access", "a@example.test"), timedelta(hours=5), now)

    with time_machine.travel(now, tick=False):
        sent = subject_requests_remind()

    assert sorted(d.recipient.email for d in sent) == [officer.email, second_officer.email]
    assert sorted(m.to[0] for m in mail.outbox) == [officer.email, second_officer.email]
    assert all(request.short_reference in m.body for m in mail.outbox)


def test_closed_paused_and_unconfirmed_requests_are_not_reminded(officer, customer):
    now = timezone.now()
    closed = due_in(file("access", "a@example.test"), timedelta(days=-3), now)
    SubjectRequest.objects.filter(pk=closed.pk).update(status=Status.COMPLETED)
    paused = due_in(file("erasure", "b@example.test"), timedelta(days=1), now)
    subject_request_pause(request=paused, actor=officer, reason="Which account?")
    unconfirmed, _ = subject_request_create(
        request_type="access", channel="web_form", actor=TESTS, requester_email="c@example.test"
    )
    due_in(unconfirmed, timedelta(days=1), now)

    assert reminders_due(now=now) == []


def test_the_dry_run_sends_and_marks_nothing_and_the_command_says_what_it_would_do(officer, capsys):
    now = timezone.now()
    request = due_in(file("access", "a@example.test"), timedelta(days=1), now)

    call_command("remind_subject_requests", "--dry-run")

    out = capsys.readouterr().out
    assert f"{officer.email}: overdue -; due soon {request.short_reference}" in out
    assert "1 reminder(s) would be sent." in out
    assert mail.outbox == []
    request.refresh_from_db()
    assert "reminded_on" not in request.execution

    call_command("remind_subject_requests")
    assert "1 reminder(s) sent." in capsys.readouterr().out
    assert len(mail.outbox) == 1


def test_a_failed_email_is_retried_by_the_next_run(officer, monkeypatch):
    from apps.subject_requests.services import reminders

    now = timezone.now()
    request = due_in(file("access", "a@example.test"), timedelta(days=1), now)
    monkeypatch.setattr(reminders, "send_templated_mail", lambda *a, **k: (_ for _ in ()).throw(OSError("no server")))

    assert subject_requests_remind(now=now) == []
    request.refresh_from_db()
    assert "reminded_on" not in request.execution

    monkeypatch.undo()
    assert len(subject_requests_remind(now=now)) == 1
    assert len(mail.outbox) == 1


def test_the_reminder_and_the_one_reconciler_are_in_the_beat_schedule():
    from celery.schedules import crontab

    from config.celery import app

    schedule = app.conf.beat_schedule
    assert schedule["subject-requests-remind"]["task"] == "apps.subject_requests.tasks.remind_task"
    assert schedule["subject-requests-remind"]["schedule"] == crontab(hour=8, minute=0)
    # Lost executions are the job machinery's: the one reconciler, every minute.
    assert schedule["core-reconcile-jobs"]["task"] == "apps.core.tasks.reconcile_jobs_task"
    assert schedule["core-reconcile-jobs"]["schedule"] == crontab(minute="*")
    registered = app.tasks
    assert "apps.subject_requests.tasks.remind_task" in registered
    assert "apps.core.tasks.reconcile_jobs_task" in registered


# --- Whose day (apps/core/clock.py) -------------------------------------------------------------------

# 17:30 UTC on 31 December: already 00:30 on 1 January in Hanoi, still the 31st in UTC.
NEW_YEAR_IN_HANOI = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)


def test_it_reminds_once_per_day_of_the_organisation(settings, officer):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    request = due_in(file("access", "a@example.test"), timedelta(days=2), NEW_YEAR_IN_HANOI)

    assert len(subject_requests_remind(now=NEW_YEAR_IN_HANOI - timedelta(hours=1))) == 1  # 23:30 on the 31st
    assert len(subject_requests_remind(now=NEW_YEAR_IN_HANOI)) == 1  # 00:30 on 1 January: a new day

    request.refresh_from_db()
    assert request.execution["reminded_on"] == "2027-01-01"
    assert len(mail.outbox) == 2


def test_it_counts_the_days_left_from_today_where_the_request_is_under(settings, officer, monkeypatch):
    from apps.subject_requests.services import reminders

    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    sent = []
    monkeypatch.setattr(reminders, "send_templated_mail", lambda template, context, **kwargs: sent.append(context))
    for code, due_on in (("vn", date(2027, 1, 3)), ("us-ca", date(2027, 1, 2))):
        jurisdiction = Jurisdiction.objects.get(code=code)
        request = file("access", f"{code}@example.test")
        SubjectRequest.objects.filter(pk=request.pk).update(
            jurisdiction=jurisdiction, due_at=end_of_day(due_on, jurisdiction.timezone)
        )

    subject_requests_remind(now=NEW_YEAR_IN_HANOI)  # 1 January in Hanoi, 31 December in Los Angeles

    (context,) = sent
    assert {row["deadline"]: row["days"] for row in context["due_soon"]} == {date(2027, 1, 3): 2, date(2027, 1, 2): 2}
