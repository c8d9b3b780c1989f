"""Legal holds (P-42): placing, changing and releasing them, what erasure keeps, and review reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from apps.accounts.models import User
from apps.core.clock import organisation_today
from apps.personal_data.erasure.run import erasure_run, erasure_start
from apps.personal_data.models import ErasureRun
from apps.personal_data.registry import holds_for
from apps.retention.models import LegalHold
from apps.retention.services import holds as services
from apps.retention.tasks import remind_hold_reviews_task
from tests.helpers import make_staff

pytestmark = pytest.mark.django_db


def place(subject, officer, *, categories=None, review_in=30, **extra) -> LegalHold:
    return services.legal_hold_place(
        subject=subject,
        actor=officer,
        reason=extra.pop("reason", LegalHold.Reason.LITIGATION),
        review_on=organisation_today() + timedelta(days=review_in),
        categories=categories,
        note=extra.pop("note", "Case 2026/117"),
    )


# --- Placing, changing, releasing ----------------------------------------------------------------


def test_it_places_a_hold_with_its_officer_and_history(customer, officer):
    hold = place(customer, officer, categories=["financial", "contact", "contact"])

    assert hold.placed_by == officer
    assert hold.categories == ["contact", "financial"]
    assert hold.is_active
    record = hold.history.get()
    assert record.history_user == officer
    assert record.history_change_reason == "legal hold placed"


def test_it_refuses_categories_outside_the_registry(customer, officer):
    with pytest.raises(ValidationError) as error:
        place(customer, officer, categories=["contact", "shoe-size"])
    assert "categories" in error.value.message_dict
    assert not LegalHold.objects.exists()


def test_a_hold_placed_on_a_customer_is_what_the_erasure_engine_sees(customer, other_customer, officer):
    hold = place(customer, officer, categories=["contact"])

    found = holds_for(customer)

    assert [h.reference for h in found] == [str(hold.reference)]
    assert found[0].covers("contact")
    assert not found[0].covers("usage")
    assert holds_for(other_customer) == []
    everything = place(other_customer, officer)
    assert holds_for(other_customer)[0].categories is None
    assert holds_for(other_customer)[0].reference == str(everything.reference)


def test_an_erasure_keeps_the_held_category_and_lists_the_hold_on_its_certificate(customer, officer):
    User.objects.filter(pk=customer.pk).update(phone="+44 20 7946 0958")
    hold = place(customer, officer, categories=["contact"], reason=LegalHold.Reason.UNPAID_DEBT)

    run = erasure_start(subject=customer, actor=officer, reason="Customer asked", queue=False)
    run = erasure_run(erasure_id=run.pk)

    erased = User._base_manager.get(pk=customer.pk)
    assert erased.phone == "+44 20 7946 0958"  # contact details: held
    assert erased.full_name == ""  # identity: not held, erased
    assert run.status == ErasureRun.Status.PARTIAL
    assert [h["reference"] for h in run.certificate["holds"]] == [str(hold.reference)]
    assert run.certificate["holds"][0]["categories"] == ["contact"]
    assert "Unpaid debt" in run.certificate["holds"][0]["reason"]
    assert customer.email not in str(run.certificate)


def test_it_changes_an_active_hold_and_refuses_to_change_a_released_one(customer, officer):
    hold = place(customer, officer, categories=["contact"])
    later = organisation_today() + timedelta(days=90)

    changed = services.legal_hold_update(
        hold=hold, actor=officer, reason=LegalHold.Reason.TAX_AUDIT, review_on=later, categories=[], note="Widened"
    )
    assert (changed.reason, changed.review_on, changed.categories) == ("tax_audit", later, [])
    assert changed.history.first().history_change_reason == "legal hold changed"

    services.legal_hold_release(hold=changed, actor=officer, note="Audit closed")
    with pytest.raises(ValidationError):
        services.legal_hold_update(hold=changed, actor=officer, reason="litigation", review_on=later)


def test_it_releases_a_hold_once_with_a_note(customer, officer):
    second = make_staff("second@example.test", "Privacy officer")
    hold = place(customer, officer)

    with pytest.raises(ValidationError) as error:
        services.legal_hold_release(hold=hold, actor=second, note="   ")
    assert "release_note" in error.value.message_dict
    released = services.legal_hold_release(hold=hold, actor=second, note="Debt paid in full")

    assert released.released_by == second
    assert released.released_at is not None
    assert released.release_note == "Debt paid in full"
    assert released.history.first().history_user == second
    assert holds_for(customer) == []
    with pytest.raises(ValidationError):
        services.legal_hold_release(hold=hold, actor=second, note="again")


# --- Review reminders ------------------------------------------------------------------------------


def test_it_reminds_the_placing_officer_once_per_review_date(
    customer, other_customer, officer, django_capture_on_commit_callbacks
):
    due = place(customer, officer, review_in=-1)
    place(other_customer, officer, review_in=60)  # not yet due
    released = place(other_customer, officer, review_in=-3)
    services.legal_hold_release(hold=released, actor=officer, note="closed")

    with django_capture_on_commit_callbacks(execute=True):
        reminded = services.legal_hold_remind_reviews()

    assert reminded == [due]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [officer.email]
    assert str(due.reference)[:8] in message.subject
    assert f"/admin/retention/legalhold/{due.pk}/change/" in message.body
    assert customer.email not in message.body  # no customer data in the email
    due.refresh_from_db()
    assert due.review_reminded_on == organisation_today()
    assert due.history.first().history_change_reason.startswith("review reminder sent")

    with django_capture_on_commit_callbacks(execute=True):
        assert services.legal_hold_remind_reviews() == []
        assert services.legal_hold_remind_reviews(now=timezone.now() + timedelta(days=3)) == []
    assert len(mail.outbox) == 1

    # A new review date gets its own reminder when it comes.
    new_date = organisation_today() + timedelta(days=10)
    services.legal_hold_update(hold=due, actor=officer, reason=due.reason, review_on=new_date, categories=[])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.legal_hold_remind_reviews() == []
        assert [h.pk for h in services.legal_hold_remind_reviews(now=timezone.now() + timedelta(days=11))] == [due.pk]
    assert len(mail.outbox) == 2


def test_a_dry_run_lists_the_holds_due_and_sends_nothing(customer, officer, django_capture_on_commit_callbacks):
    hold = place(customer, officer, review_in=-1)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.legal_hold_remind_reviews(dry_run=True) == [hold]
    hold.refresh_from_db()
    assert hold.review_reminded_on is None
    assert mail.outbox == []


def test_the_command_and_the_task_send_each_reminder_once(
    customer, officer, django_capture_on_commit_callbacks, capsys
):
    hold = place(customer, officer, review_in=-2)

    call_command("remind_hold_reviews", "--dry-run")
    assert str(hold.reference) in capsys.readouterr().out
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remind_hold_reviews")
    assert "1 hold(s) reminded" in capsys.readouterr().out
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_hold_reviews_task() == 0
    assert len(mail.outbox) == 1


def test_the_reminder_greets_the_officer_by_name(customer, officer, django_capture_on_commit_callbacks):
    officer.full_name, officer.preferred_name = "Olivia Officer", ""
    officer.save()
    place(customer, officer, review_in=-2)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remind_hold_reviews")
    assert mail.outbox[0].body.splitlines()[0] == "Hello Olivia,"


def test_it_reminds_the_privacy_officers_when_the_placing_officer_has_left(
    customer, officer, django_capture_on_commit_callbacks
):
    leaver = make_staff("leaver@example.test", "Privacy officer")
    place(customer, leaver, review_in=-1)
    User.objects.filter(pk=leaver.pk).update(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        services.legal_hold_remind_reviews()

    assert [m.to for m in mail.outbox] == [[officer.email]]


def test_a_reminder_that_could_not_be_sent_is_tried_again(
    customer, officer, monkeypatch, django_capture_on_commit_callbacks
):
    hold = place(customer, officer, review_in=-1)

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(services, "send_templated_mail", broken)
    with django_capture_on_commit_callbacks(execute=True):
        services.legal_hold_remind_reviews()
    hold.refresh_from_db()
    assert hold.review_reminded_on is None

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.legal_hold_remind_reviews()
    assert len(mail.outbox) == 1


def test_the_reminders_run_daily_from_beat():
    from config.celery import app

    entry = app.conf.beat_schedule["retention-remind-hold-reviews"]
    assert entry["task"] == "apps.retention.tasks.remind_hold_reviews_task"
    assert entry["schedule"].hour == {7}


# --- Whose day (apps/core/clock.py) ----------------------------------------------------------------

# 17:30 UTC on 31 December: already 00:30 on 1 January in Hanoi, still the 31st in UTC.
NEW_YEAR_IN_HANOI = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)


def test_it_reminds_of_a_review_when_the_organisations_day_comes(
    settings, customer, officer, django_capture_on_commit_callbacks
):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    with time_machine.travel(NEW_YEAR_IN_HANOI - timedelta(days=1), tick=False):
        hold = place(customer, officer, review_in=1)  # placed on 31 December, Hanoi time
    assert hold.review_on == date(2027, 1, 1)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.legal_hold_remind_reviews(now=NEW_YEAR_IN_HANOI - timedelta(hours=1)) == []  # 23:30
        assert services.legal_hold_remind_reviews(now=NEW_YEAR_IN_HANOI) == [hold]

    hold.refresh_from_db()
    assert hold.review_reminded_on == date(2027, 1, 1)
    assert len(mail.outbox) == 1
