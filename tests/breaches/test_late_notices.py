"""A people's notice that reaches them after its deadline: recorded late, the reasons given
afterwards, and never a jam for the breach, its pages or everyone else's reminders."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.breaches.domain import Factors
from apps.breaches.models import AffectedSet, Breach, BreachClock, Recipient
from apps.breaches.services.clocks import (
    breach_clock_delay_reason_record,
    breach_clock_record_done,
    breach_clocks_remind,
    breach_clocks_sync,
)
from apps.breaches.services.notices import breach_public_notice_publish
from apps.breaches.services.register import breach_assess, breach_close, breach_save
from apps.consent.models import Mailing
from tests.breaches.helpers import open_breach

pytestmark = pytest.mark.django_db

AWARE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _californian_breach(officer, traveller) -> Breach:
    """California's 720-hour people's clock; the emails go out at hour 719 and finish at 721."""
    breach = open_breach(officer, aware_at=AWARE, jurisdictions=[])
    breach_assess(breach=breach, factors=Factors("medium", False, 40, "high", "medium", False, False), actor=officer)
    AffectedSet.objects.create(breach=breach, query={}, total=40, by_jurisdiction={"us-ca": 40}, by_language={})
    breach_clocks_sync(breach=breach, actor=officer)
    assert breach.clocks.get(rule__recipient=Recipient.PEOPLE).due_at == AWARE + timedelta(hours=720)
    traveller.move_to(AWARE + timedelta(hours=721))
    breach.refresh_from_db()
    breach.mailing = Mailing.objects.create(
        kind="breach_notice",
        subject_line="x",
        body="x",
        status="sent",
        started_at=AWARE + timedelta(hours=719),
        finished_at=AWARE + timedelta(hours=721),
    )
    breach.save()
    return breach


def test_a_notice_finished_after_its_deadline_is_marked_late_with_its_reasons_owed(officer):
    with time_machine.travel(AWARE, tick=False) as traveller:
        breach = _californian_breach(officer, traveller)
        breach_clocks_remind()  # raised ValidationError on every run before
        people = breach.clocks.get(rule__recipient=Recipient.PEOPLE)
        assert people.status == BreachClock.Status.LATE
        assert people.done_at == AWARE + timedelta(hours=721)
        assert people.reason_owed
        assert people.history.first().history_change_reason.startswith("late, reasons owed")

        breach.decision, breach.decision_reasoning = Breach.Decision.NOTIFY, "High risk in California."
        breach_save(breach=breach, actor=officer, reason="edited")  # saving no longer jams
        with pytest.raises(ValidationError, match="reasons for the delay"):
            breach_close(breach=breach, actor=officer)
        with pytest.raises(ValidationError, match="Write the reasons"):
            breach_clock_delay_reason_record(clock=people, delay_reason="  ", actor=officer)
        breach_clock_delay_reason_record(clock=people, delay_reason="The mail provider throttled us.", actor=officer)
        people.refresh_from_db()
        assert not people.reason_owed
        for clock in breach.clocks.exclude(pk=people.pk):  # the Attorney General is not owed at 40 residents
            assert clock.status != BreachClock.Status.RUNNING
        breach_close(breach=breach, actor=officer)
    assert Breach.objects.get(pk=breach.pk).status == Breach.Status.CLOSED


def test_the_notify_page_asks_for_the_reasons_afterwards_instead_of_failing(client_as, officer):
    with time_machine.travel(AWARE, tick=False) as traveller:
        breach = _californian_breach(officer, traveller)
    client = client_as("officer")
    url = reverse("admin:breaches_breach_notify", args=[breach.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="reasons"' in page.content.decode()
    assert client.post(url, {"reasons": "1", "delay_reason": ""}).status_code == 200
    response = client.post(url, {"reasons": "1", "delay_reason": "The mail provider throttled us."})
    assert response.status_code == 302
    people = breach.clocks.get(rule__recipient=Recipient.PEOPLE)
    assert people.delay_reason == "The mail provider throttled us."
    assert 'name="reasons"' not in client.get(url).content.decode()


def test_one_breach_that_cannot_sync_does_not_stop_the_others_reminders(
    officer, mailoutbox, django_capture_on_commit_callbacks, caplog
):
    with time_machine.travel(AWARE, tick=False) as traveller:
        broken = open_breach(officer, aware_at=AWARE, jurisdictions=["uk"], title="Broken row")
        broken.mailing = Mailing.objects.create(kind="breach_notice", subject_line="x", body="x", status="sent")
        broken.save()
        # A row written around the model's checks (an old import): its sync fails with a TypeError.
        Breach.objects.filter(pk=broken.pk).update(jurisdictions=5)
        healthy = open_breach(officer, aware_at=AWARE, jurisdictions=["uk"], title="Healthy")
        traveller.move_to(AWARE + timedelta(hours=24, minutes=1))
        with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
            breach_clocks_remind()
    assert any(healthy.number in m.subject for m in mailoutbox)
    assert any(broken.number in r.getMessage() for r in caplog.records)


def _write_notice(breach: Breach, officer) -> None:
    breach.notice_summary_en, breach.notice_advice_en = "Letters went to old addresses.", "Tell us if one came."
    breach.decision, breach.decision_reasoning = Breach.Decision.NOTIFY, "High risk: addresses and balances."
    breach_save(breach=breach, actor=officer, reason="notice written")


def test_a_breach_told_through_the_public_notice_can_be_closed(officer):
    with time_machine.travel(AWARE, tick=False) as traveller:
        breach = open_breach(officer, aware_at=AWARE, jurisdictions=["uk"])
        breach_assess(breach=breach, factors=Factors("high", True, 40, "high", "high", False, False), actor=officer)
        authority = breach.clocks.get(rule__recipient=Recipient.AUTHORITY)
        people = breach.clocks.get(rule__recipient=Recipient.PEOPLE)
        traveller.move_to(AWARE + timedelta(hours=30))
        breach_clock_record_done(clock=authority, done_at=AWARE + timedelta(hours=29), actor=officer)
        _write_notice(breach, officer)
        breach = breach_public_notice_publish(breach=breach, actor=officer)
        people.refresh_from_db()
        assert people.status == BreachClock.Status.MET
        assert people.done_at == breach.public_notice_at == AWARE + timedelta(hours=30)
        breach_close(breach=breach, actor=officer)
    assert Breach.objects.get(pk=breach.pk).status == Breach.Status.CLOSED


def test_a_public_notice_after_the_deadline_is_late_with_its_reasons_owed(officer):
    with time_machine.travel(AWARE, tick=False) as traveller:
        breach = open_breach(officer, aware_at=AWARE, jurisdictions=[])
        breach_assess(
            breach=breach, factors=Factors("medium", False, 40, "high", "medium", False, False), actor=officer
        )
        AffectedSet.objects.create(breach=breach, query={}, total=40, by_jurisdiction={"us-ca": 40}, by_language={})
        breach_clocks_sync(breach=breach, actor=officer)
        traveller.move_to(AWARE + timedelta(hours=721))
        _write_notice(breach, officer)
        breach_public_notice_publish(breach=breach, actor=officer)
    people = breach.clocks.get(rule__recipient=Recipient.PEOPLE)
    assert people.status == BreachClock.Status.LATE
    assert people.reason_owed


def test_a_late_public_notice_takes_its_reasons_on_the_notify_page_without_sending_anything(client_as, officer):
    with time_machine.travel(AWARE, tick=False) as traveller:
        breach = open_breach(officer, aware_at=AWARE, jurisdictions=[])
        breach_assess(
            breach=breach, factors=Factors("medium", False, 40, "high", "medium", False, False), actor=officer
        )
        affected = AffectedSet.objects.create(
            breach=breach, query={}, total=40, by_jurisdiction={"us-ca": 40}, by_language={}
        )
        breach_clocks_sync(breach=breach, actor=officer)
        traveller.move_to(AWARE + timedelta(hours=721))
        _write_notice(breach, officer)
        breach_public_notice_publish(breach=breach, actor=officer)
    assert affected.total
    client = client_as("officer")
    change = client.get(reverse("admin:breaches_breach_change", args=[breach.pk])).content.decode()
    assert "the reasons for the delay are owed" in change
    assert "Record the reasons for a late notice" in change
    url = reverse("admin:breaches_breach_notify", args=[breach.pk])
    refused = client.post(url, {"reasons": "1", "delay_reason": ""})
    assert refused.status_code == 200
    assert "Write the reasons for the delay." in refused.content.decode()
    breach.refresh_from_db()
    assert breach.mailing_id is None  # the refused reasons did not send the emails
    assert client.post(url, {"reasons": "1", "delay_reason": "We chose the public page."}).status_code == 302
    assert not breach.clocks.get(rule__recipient=Recipient.PEOPLE).reason_owed
