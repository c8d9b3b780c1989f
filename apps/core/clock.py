"""Which day it is, and for whom.

"Today" depends on where one stands: 23:30 UTC on 31 December is already 1 January in
Hanoi and still the afternoon of the 31st in Los Angeles. So nothing in the portal asks the
server for a date; it asks one of these and names whose day it means:

* ``organisation_today()``: the company's working day, in its time zone (``TIME_ZONE``, set
  with ``DJANGO_TIME_ZONE``). Policy versions take effect, legal holds and compelled requests
  fall due, recipient agreements lapse, officers get one reminder a day, reports count their
  months and downloads are dated by it.
* ``today_in(zone)`` / ``date_in(moment, zone)``: the day under a rule or for a person, e.g. a
  jurisdiction's zone for request deadlines and the days a request's clock was paused.

ruff bans ``timezone.localdate`` (see pyproject.toml) so a new "today" has to choose.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def zone(name: str | tzinfo) -> tzinfo:
    return ZoneInfo(name) if isinstance(name, str) else name


def organisation_zone() -> tzinfo:
    return ZoneInfo(settings.TIME_ZONE)


def date_in(moment: datetime, where: str | tzinfo) -> date:
    """The calendar date of an aware moment in a zone."""
    return moment.astimezone(zone(where)).date()


def today_in(where: str | tzinfo, *, now: datetime | None = None) -> date:
    return date_in(now or timezone.now(), where)


def organisation_today(*, now: datetime | None = None) -> date:
    return today_in(organisation_zone(), now=now)


def organisation_zone_name() -> str:
    """The organisation's zone as officers read it next to a time, e.g. "Asia/Ho_Chi_Minh"."""
    return str(getattr(organisation_zone(), "key", settings.TIME_ZONE))


def organisation_time(moment: datetime | None = None) -> datetime:
    """A moment on the organisation's wall clock (what officers read in the admin)."""
    return (moment or timezone.now()).astimezone(organisation_zone())
