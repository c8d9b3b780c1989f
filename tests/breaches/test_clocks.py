"""The laws' clocks as data: started at awareness, reminders at their hours, late with reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from apps.breaches.domain import Factors, Risk, hours_left, reminders_owed, risk_of
from apps.breaches.models import AffectedSet, BreachClock, ClockRule, Recipient
from apps.breaches.selectors.clocks import open_breach_clocks
from apps.breaches.services.clocks import breach_clock_record_done, breach_clocks_remind, breach_clocks_sync
from apps.breaches.services.register import breach_assess
from apps.consent.models import Mailing
from tests.breaches.helpers import open_breach

pytestmark = pytest.mark.django_db

AWARE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_it_seeds_every_jurisdictions_clocks_with_a_source_note():
    rules = {(r.jurisdiction.code, r.recipient, r.effective_from.year): r for r in ClockRule.objects.all()}
    assert rules[("uk", Recipient.AUTHORITY, 2018)].hours == 72
    assert rules[("eu", Recipient.AUTHORITY, 2018)].phased
    assert rules[("us-ca", Recipient.PEOPLE, 2026)].hours == 720
    assert rules[("us-ca", Recipient.ATTORNEY_GENERAL, 2026)].minimum_people == 501
    assert rules[("us-ca", Recipient.PEOPLE, 2003)].hours is None
    assert "counsel to confirm" in rules[("vn", Recipient.AUTHORITY, 2026)].note
    assert all(rule.note and rule.source for rule in rules.values())


def test_it_counts_whole_hours_left_and_negative_once_late():
    due = AWARE + timedelta(hours=72)
    assert hours_left(due, AWARE) == 72
    assert hours_left(due, AWARE + timedelta(minutes=1)) == 71
    assert hours_left(due, due + timedelta(minutes=1)) == -1
    owed = reminders_owed(due_at=due, now=due - timedelta(hours=6), reminder_hours=[48, 24, 6, 1], sent=[48])
    assert owed == [24, 6]


def test_it_fires_the_authority_reminders_at_their_hours_then_once_overdue(
    officer, mailoutbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(AWARE, tick=False) as traveller:
        breach = open_breach(officer, aware_at=AWARE, jurisdictions=["uk"])
        clock = breach.clocks.get()
        assert clock.rule.jurisdiction.code == "uk"
        assert clock.due_at == AWARE + timedelta(hours=72)

        fired, fired_bodies = {}, {}
        for after in (1, 23, 24, 30, 48, 60, 66, 70, 71, 72, 73, 80):
            traveller.move_to(AWARE + timedelta(hours=after))
            before = len(mailoutbox)
            with django_capture_on_commit_callbacks(execute=True):
                breach_clocks_remind()
            fired[after] = [m.subject for m in mailoutbox[before:]]
            fired_bodies[after] = [m.body for m in mailoutbox[before:]]

    assert {after for after, subjects in fired.items() if subjects} == {24, 48, 66, 71, 72}
    assert "48 hours left" in fired[24][0]
    assert "24 hours left" in fired[48][0]
    assert "6 hours left" in fired[66][0]
    assert "1 hour left" in fired[71][0]
    assert "1 hour is left" in fired_bodies[71][0]
    assert "overdue" in fired[72][0]
    assert mailoutbox[0].to == [officer.email]
    clock.refresh_from_db()
    assert clock.reminders_sent == [48, 24, 6, 1]
    assert clock.overdue_reminded


def test_it_marks_a_late_notification_with_its_reasons(officer):
    with time_machine.travel(AWARE, tick=False) as traveller:
        breach = open_breach(officer, aware_at=AWARE, jurisdictions=["eu"])
        clock = breach.clocks.get()
        traveller.move_to(AWARE + timedelta(hours=80))
        with pytest.raises(ValidationError, match="reasons for the delay"):
            breach_clock_record_done(clock=clock, done_at=AWARE + timedelta(hours=79), actor=officer)
        clock = breach_clock_record_done(
            clock=clock,
            done_at=AWARE + timedelta(hours=79),
            delay_reason="The backup's owner was reached only on the fourth day.",
            actor=officer,
        )
    assert clock.status == BreachClock.Status.LATE
    assert clock.delay_reason.startswith("The backup's owner")
    assert clock.history.first().history_change_reason == "late"


def test_it_stands_the_clock_down_when_the_assessment_finds_no_risk(officer):
    with time_machine.travel(AWARE, tick=False):
        breach = open_breach(officer, aware_at=AWARE, jurisdictions=["uk"])
        factors = Factors("low", False, 3, "low", "low", False, unintelligible=True)
        assert risk_of(factors) == Risk.NONE
        breach_assess(breach=breach, factors=factors, notes="Encrypted laptop, key not on it.", actor=officer)
    assert breach.clocks.get().status == BreachClock.Status.NOT_REQUIRED
    assert open_breach_clocks() == []


def test_it_owes_the_people_a_notice_only_when_the_risk_is_high(officer):
    with time_machine.travel(AWARE, tick=False):
        breach = open_breach(officer, aware_at=AWARE, jurisdictions=["uk"])
        breach_assess(
            breach=breach, factors=Factors("medium", False, 40, "medium", "medium", False, False), actor=officer
        )
        assert {c.rule.recipient for c in breach.clocks.all()} == {Recipient.AUTHORITY}
        breach_assess(breach=breach, factors=Factors("high", True, 40, "high", "high", False, False), actor=officer)
    people = breach.clocks.get(rule__recipient=Recipient.PEOPLE)
    assert people.due_at is None  # without undue delay: no fixed hours


def test_it_runs_californias_30_days_and_the_attorney_generals_15_after_the_people_are_told(officer):
    with time_machine.travel(AWARE, tick=False) as traveller:
        breach = open_breach(officer, aware_at=AWARE, jurisdictions=[])
        breach_assess(
            breach=breach, factors=Factors("medium", False, 600, "high", "medium", False, False), actor=officer
        )
        AffectedSet.objects.create(breach=breach, query={}, total=600, by_jurisdiction={"us-ca": 600}, by_language={})
        breach_clocks_sync(breach=breach, actor=officer)
        people = breach.clocks.get(rule__recipient=Recipient.PEOPLE)
        assert people.due_at == AWARE + timedelta(days=30)
        assert not breach.clocks.filter(rule__recipient=Recipient.ATTORNEY_GENERAL).exists()

        told = AWARE + timedelta(days=10)
        traveller.move_to(told)
        breach.refresh_from_db()
        breach.mailing = Mailing.objects.create(kind="breach_notice", subject_line="x", body="x", started_at=told)
        breach.save()
        breach_clocks_sync(breach=breach, actor=officer)
    general = breach.clocks.get(rule__recipient=Recipient.ATTORNEY_GENERAL)
    assert general.due_at == told + timedelta(days=15)


def test_it_leaves_the_attorney_general_out_at_500_residents(officer):
    with time_machine.travel(AWARE, tick=False):
        breach = open_breach(officer, aware_at=AWARE, jurisdictions=[])
        breach_assess(
            breach=breach, factors=Factors("medium", False, 500, "high", "medium", False, False), actor=officer
        )
        AffectedSet.objects.create(breach=breach, query={}, total=500, by_jurisdiction={"us-ca": 500}, by_language={})
        breach.refresh_from_db()
        breach.mailing = Mailing.objects.create(kind="breach_notice", subject_line="x", body="x", started_at=AWARE)
        breach.save()
        breach_clocks_sync(breach=breach, actor=officer)
    assert not breach.clocks.filter(rule__recipient=Recipient.ATTORNEY_GENERAL).exists()
    assert breach.clocks.filter(rule__recipient=Recipient.PEOPLE).exists()  # the residents are still owed it


def test_the_home_page_selector_lists_open_clocks_most_urgent_first(officer, django_assert_max_num_queries):
    with time_machine.travel(AWARE, tick=False) as traveller:
        first = open_breach(officer, aware_at=AWARE - timedelta(hours=10), jurisdictions=["uk"])
        open_breach(officer, aware_at=AWARE, jurisdictions=["eu"])
        traveller.move_to(AWARE + timedelta(hours=1))
        with django_assert_max_num_queries(2):
            clocks = open_breach_clocks()
    assert [(c.breach_number, c.hours_left) for c in clocks] == [(first.number, 61), (clocks[1].breach_number, 71)]


def test_beat_stops_the_peoples_clock_once_their_notice_is_sent_and_starts_the_attorney_generals(officer):
    with time_machine.travel(AWARE, tick=False) as traveller:
        breach = open_breach(officer, aware_at=AWARE, jurisdictions=[])
        breach_assess(
            breach=breach, factors=Factors("medium", False, 600, "high", "medium", False, False), actor=officer
        )
        AffectedSet.objects.create(breach=breach, query={}, total=600, by_jurisdiction={"us-ca": 600}, by_language={})
        breach_clocks_sync(breach=breach, actor=officer)
        sent = AWARE + timedelta(days=31)
        traveller.move_to(sent)
        breach.refresh_from_db()
        breach.mailing = Mailing.objects.create(
            kind="breach_notice", subject_line="x", body="x", status="sent", started_at=sent, finished_at=sent
        )
        breach.save()
        people = breach.clocks.get(rule__recipient=Recipient.PEOPLE)
        people.delay_reason = "Law enforcement asked us to wait."
        people.save()
        breach_clocks_remind()
    people.refresh_from_db()
    assert people.status == BreachClock.Status.LATE
    assert breach.clocks.get(rule__recipient=Recipient.ATTORNEY_GENERAL).due_at == sent + timedelta(days=15)


@pytest.mark.parametrize(
    ("code", "recipient"),
    [("uk", "authority"), ("eu", "authority"), ("vn", "authority"), ("us-ca", "people"), ("us-ca", "attorney_general")],
)
def test_each_seeded_clock_reminds_at_its_own_hours(
    officer, mailoutbox, django_capture_on_commit_callbacks, code, recipient
):
    rule = ClockRule.objects.filter(jurisdiction__code=code, recipient=recipient, hours__isnull=False).latest(
        "effective_from"
    )
    with time_machine.travel(AWARE, tick=False) as traveller:
        breach = open_breach(officer, aware_at=AWARE, jurisdictions=[])
        due = AWARE + timedelta(hours=rule.hours)
        BreachClock.objects.create(breach=breach, rule=rule, starts_at=AWARE, due_at=due)
        fired = []
        for hour in range(rule.hours + 2):
            traveller.move_to(AWARE + timedelta(hours=hour, minutes=1))
            before = len(mailoutbox)
            with django_capture_on_commit_callbacks(execute=True):
                breach_clocks_remind()
            if len(mailoutbox) > before:
                fired.append(hour)
    assert fired == sorted([rule.hours - h for h in rule.reminder_hours] + [rule.hours])
