"""Legal deadlines of subject requests: periods from a jurisdiction's rule, counted on its calendar.

The rules are data (``Jurisdiction``, editable by officers); this module only counts. Months
follow the UK ICO's reading of "one month": the same date in the next month, the month's last
day when that date does not exist (31 January → 28 or 29 February), then, where the rule says
so, the next working day when the date falls on a weekend or a bank holiday. Working days
come from the ``holidays`` library for the rule's calendar (a country code, with an optional
subdivision: "GB-ENG", "US-CA").
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    DAYS = "days", _("calendar days")
    WORKING_DAYS = "working_days", _("working days")
    MONTHS = "months", _("months")


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str

    def __str__(self) -> str:
        label = SINGULAR[self.unit] if self.amount == 1 else Unit(self.unit).label
        return f"{self.amount} {label}"


SINGULAR = {Unit.DAYS: _("calendar day"), Unit.WORKING_DAYS: _("working day"), Unit.MONTHS: _("month")}


@dataclass(frozen=True)
class Terms:
    """What one jurisdiction gives one request type."""

    acknowledge: Period
    respond: Period
    extension: Period | None
    roll_forward: bool  # a due date on a non-working day moves to the next working day
    pauses_clock: bool  # waiting for identity or clarification stops the clock
    calendar: str
    timezone: str


@lru_cache(maxsize=64)
def _holidays(calendar: str, year: int) -> holidays.HolidayBase:
    country, _sep, subdivision = calendar.partition("-")
    return holidays.country_holidays(country, subdiv=subdivision or None, years=year)


def is_working_day(day: date, calendar: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(calendar, day.year)


def next_working_day(day: date, calendar: str) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day, calendar):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """The same date ``months`` later, or that month's last day when the date does not exist."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def add_period(start: date, period: Period, calendar: str) -> date:
    """The last day of ``period`` counted from the day after ``start``."""
    if period.unit == Unit.MONTHS:
        return add_months(start, period.amount)
    if period.unit == Unit.DAYS:
        return start + timedelta(days=period.amount)
    day, counted = start, 0
    while counted < period.amount:
        day += timedelta(days=1)
        counted += is_working_day(day, calendar)
    return day


@dataclass(frozen=True)
class Deadlines:
    received_on: date
    acknowledge_by: date
    due_on: date
    extended_due_on: date | None  # what an extension would give (None: the rule allows none)


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def end_of_day(day: date, timezone: str) -> datetime:
    """The last moment of ``day`` where the rule applies: a deadline is met until then."""
    return datetime.combine(day, time.max, tzinfo=ZoneInfo(timezone))


def compute(terms: Terms, *, received_at: datetime, paused_days: int = 0) -> Deadlines:
    """The deadlines of a request received at ``received_at`` whose clock stood still ``paused_days``.

    Pauses push the response date (not the acknowledgement) by the days paused, where the rule
    lets the clock pause; an extension runs on from the unextended due date.
    """
    received = local_date(received_at, terms.timezone)
    acknowledge_by = add_period(received, terms.acknowledge, terms.calendar)
    # The period is counted from receipt, then the days the clock stood still are added: added
    # first, they would vanish into a short month (29 January + 1 month = 28 February either way).
    due = add_period(received, terms.respond, terms.calendar)
    due += timedelta(days=paused_days if terms.pauses_clock else 0)
    extended = add_period(due, terms.extension, terms.calendar) if terms.extension else None
    if terms.roll_forward:
        due = next_working_day(due, terms.calendar)
        extended = next_working_day(extended, terms.calendar) if extended else None
    return Deadlines(received_on=received, acknowledge_by=acknowledge_by, due_on=due, extended_due_on=extended)
