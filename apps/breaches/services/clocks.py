"""Writes of breach clocks: which notifications a breach owes (from the rules as data), when each
was made, and the officers' reminders as the hours run out."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts.models import User
from apps.breaches.domain import hours_left, reminders_owed, risk_reaches
from apps.breaches.models import Breach, BreachClock, ClockRule, ClockStart, Recipient
from apps.consent.models import Mailing
from apps.core.actors import SystemActor, record_actor
from apps.core.clock import date_in, organisation_zone

REMINDER_ACTOR = SystemActor("breach-clock-reminders")

logger = logging.getLogger(__name__)


def _required(rule: ClockRule, breach: Breach, people: dict[str, int] | None) -> bool | None:
    """Whether ``rule`` binds ``breach``: True, False, or None while it cannot be known yet."""
    if breach.decision == Breach.Decision.NOT_REQUIRED:
        return False
    code = rule.jurisdiction.code
    if breach.risk:
        if not risk_reaches(breach.risk, rule.minimum_risk):
            return False
    elif rule.recipient != Recipient.AUTHORITY:
        return None  # people are told once the risk is known; the authority's clock runs meanwhile
    # A jurisdiction the officer named is concerned whoever the people turn out to be; another is
    # concerned through the people found in it, in the numbers its rule asks for.
    home = code in (breach.jurisdictions or [])
    if not (home and rule.minimum_people <= 1):
        if people is None:
            return None
        if people.get(code, 0) < rule.minimum_people:
            return False
    if rule.starts == ClockStart.PEOPLE_NOTIFIED and _people_notified_at(breach) is None:
        return None
    return True


def _people_notified_at(breach: Breach) -> datetime | None:
    mailing = breach.mailing
    return mailing.started_at if mailing is not None else None


def _starts_at(rule: ClockRule, breach: Breach) -> datetime:
    if rule.starts == ClockStart.PEOPLE_NOTIFIED:
        started = _people_notified_at(breach)
        assert started is not None
        return started
    return breach.aware_at


@transaction.atomic
def breach_clocks_sync(*, breach: Breach, actor: User | SystemActor) -> list[BreachClock]:
    """Start the clocks the breach now owes, stand down those no longer owed, and mark a people's
    notice done once its mailing has been sent. Safe to run any number of times."""
    from apps.breaches.selectors.people import latest_affected_set

    breach = Breach.objects.select_related("mailing").get(pk=breach.pk)  # the caller's copy may be stale
    affected = latest_affected_set(breach)
    people = dict(affected.by_jurisdiction) if affected is not None else None
    codes = set(breach.jurisdictions or []) | set(people or {})
    day = date_in(breach.aware_at, organisation_zone())
    rules = ClockRule.in_force(
        list(ClockRule.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")), day
    )
    existing = {clock.rule_id: clock for clock in breach.clocks.select_for_update()}
    for rule in rules:
        required = _required(rule, breach, people)
        clock = existing.get(rule.pk)
        if required and clock is None:
            starts_at = _starts_at(rule, breach)
            clock = BreachClock(
                breach=breach,
                rule=rule,
                starts_at=starts_at,
                due_at=starts_at + timedelta(hours=rule.hours) if rule.hours is not None else None,
            )
            record_actor(clock, actor=actor, reason="started")
            clock.save()
            existing[rule.pk] = clock
        elif required and clock is not None and clock.status == BreachClock.Status.NOT_REQUIRED:
            clock.status = BreachClock.Status.RUNNING
            record_actor(clock, actor=actor, reason="required again")
            clock.save(update_fields=["status", "updated_at"])
        elif required is False and clock is not None and clock.status == BreachClock.Status.RUNNING:
            clock.status = BreachClock.Status.NOT_REQUIRED
            record_actor(clock, actor=actor, reason="not required")
            clock.save(update_fields=["status", "updated_at"])
    _people_notice_done(breach, existing.values(), actor)
    return sorted(existing.values(), key=lambda c: (c.due_at is None, c.due_at or c.starts_at))


def _people_notice_done(breach: Breach, clocks, actor) -> None:
    mailing = breach.mailing
    if mailing is None or mailing.status != "sent" or mailing.finished_at is None:
        return
    people_notice_clocks_done(clocks, done_at=mailing.finished_at, actor=actor)


def people_notice_clocks_done(clocks, *, done_at: datetime, actor) -> None:
    """Stop the running people's clocks: the notice reached them (emails sent, or the public page).
    A notice that ended after its deadline is recorded late even without reasons (it did happen;
    refusing would jam every later sync); the clock then shows the reasons as owed."""
    for clock in clocks:
        if clock.rule.recipient == Recipient.PEOPLE and clock.status == BreachClock.Status.RUNNING:
            _mark_done(clock, done_at=done_at, delay_reason=clock.delay_reason, actor=actor, reason_later=True)


def _mark_done(
    clock: BreachClock, *, done_at: datetime, delay_reason: str, actor, reason_later: bool = False
) -> BreachClock:
    late = clock.due_at is not None and done_at > clock.due_at
    if late and clock.rule.delay_reason_required and not delay_reason.strip() and not reason_later:
        raise ValidationError(
            {"delay_reason": _("This notification is late: record the reasons for the delay (Art. 33(1)).")}
        )
    clock.done_at = done_at
    clock.delay_reason = delay_reason.strip()
    clock.status = BreachClock.Status.LATE if late else BreachClock.Status.MET
    change = "notified in time"
    if late:
        change = "late, reasons owed" if clock.reason_owed else "late"
    record_actor(clock, actor=actor, reason=change)
    clock.save(update_fields=["done_at", "delay_reason", "status", "updated_at"])
    return clock


@transaction.atomic
def breach_clock_delay_reason_record(*, clock: BreachClock, delay_reason: str, actor: User) -> BreachClock:
    """The reasons for a notification made late, given after it was made (a people's notice that
    finished past its deadline)."""
    clock = BreachClock.objects.select_for_update().select_related("rule", "breach").get(pk=clock.pk)
    if not clock.breach.is_open:
        raise ValidationError(_("A closed breach is kept as it was closed."))
    if clock.status != BreachClock.Status.LATE:
        raise ValidationError(_("Only a notification made late takes reasons for a delay."))
    if not delay_reason.strip():
        raise ValidationError({"delay_reason": _("Write the reasons for the delay.")})
    clock.delay_reason = delay_reason.strip()
    record_actor(clock, actor=actor, reason="delay reasons given")
    clock.save(update_fields=["delay_reason", "updated_at"])
    return clock


@transaction.atomic
def breach_clock_record_done(
    *, clock: BreachClock, done_at: datetime, delay_reason: str = "", actor: User | SystemActor
) -> BreachClock:
    """The notification this clock stands for was made at ``done_at``; late needs its reasons.
    Only the first notification stops the clock: later phases are recorded as submissions."""
    clock = BreachClock.objects.select_for_update().select_related("rule", "breach").get(pk=clock.pk)
    if clock.done_at is not None:
        return clock
    if done_at > timezone.now():
        raise ValidationError({"submitted_at": _("A notification cannot be recorded in the future.")})
    return _mark_done(clock, done_at=done_at, delay_reason=delay_reason, actor=actor)


def breach_clocks_remind(*, dry_run: bool = False) -> list[dict]:
    """Beat (every 15 minutes) and ``manage.py remind_breach_clocks``: tell each open breach's
    officer when a reminder hour of a running clock has come, and once when it has run out."""
    now = timezone.now()
    done = []
    if not dry_run:
        # A people's notice sent since the last run stops its clock and starts those counted from it
        # (California's Attorney General), without waiting for an officer to open the breach.
        for breach in Breach.objects.filter(status=Breach.Status.OPEN, mailing__status=Mailing.Status.SENT):
            # One breach that cannot be synced must not cost every other breach its reminders.
            try:
                breach_clocks_sync(breach=breach, actor=REMINDER_ACTOR)
            except Exception:
                logger.exception("breach %s: its clocks could not be synced", breach.number)
    running = BreachClock.objects.filter(
        status=BreachClock.Status.RUNNING, due_at__isnull=False, breach__status=Breach.Status.OPEN
    ).select_related("rule__jurisdiction", "breach__officer")
    for clock in running:
        due_at = clock.due_at
        assert due_at is not None  # filtered above
        owed = reminders_owed(
            due_at=due_at, now=now, reminder_hours=clock.rule.reminder_hours, sent=clock.reminders_sent
        )
        overdue = now >= due_at and not clock.overdue_reminded
        if not owed and not overdue:
            continue
        left = hours_left(due_at, now)
        done.append({"breach": clock.breach.number, "clock": str(clock.rule), "hours_left": left, "overdue": overdue})
        if dry_run:
            continue
        with transaction.atomic():
            locked = BreachClock.objects.select_for_update().get(pk=clock.pk)
            if locked.status != BreachClock.Status.RUNNING:
                continue
            locked.reminders_sent = sorted(set(locked.reminders_sent) | set(owed), reverse=True)
            locked.overdue_reminded = locked.overdue_reminded or overdue
            record_actor(locked, actor=REMINDER_ACTOR, reason="overdue" if overdue else f"reminded: {left} hours left")
            locked.save(update_fields=["reminders_sent", "overdue_reminded", "updated_at"])
            transaction.on_commit(partial(_send_reminder, clock, left, overdue))
    return done


def _send_reminder(clock: BreachClock, left: int, overdue: bool) -> None:
    officer = clock.breach.officer
    with translation.override(officer.preferred_language or settings.LANGUAGE_CODE):
        url = settings.SITE_URL.rstrip("/") + reverse("admin:breaches_breach_change", args=[clock.breach.pk])
        context = {"clock": clock, "breach": clock.breach, "hours_left": left, "overdue": overdue, "url": url}
        subject = (
            _("Breach %(number)s: the notification to %(recipient)s is overdue")
            if overdue
            else ngettext(
                "Breach %(number)s: %(hours)d hour left to notify %(recipient)s",
                "Breach %(number)s: %(hours)d hours left to notify %(recipient)s",
                left,
            )
        ) % {"number": clock.breach.number, "hours": left, "recipient": clock.rule.get_recipient_display()}
        body = render_to_string("breaches/email/clock_reminder.txt", context)
    send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [officer.email])


@transaction.atomic
def clock_rule_save(*, rule: ClockRule, actor: User, reason: str) -> ClockRule:
    """An officer's change to a law's clock (the admin), validated, with history."""
    rule.full_clean()
    record_actor(rule, actor=actor, reason=reason)
    rule.save()
    return rule
