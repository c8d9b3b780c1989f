"""The rules of subject requests in plain Python: no queries, no writes, no request.

- Permissions: the names of what officers and auditors may do.
- Deadlines: periods from a jurisdiction's rule, counted on its calendar.
- Facebook's data-deletion callback: verifying and reading its signed request.
- Attachments: what a letter or email kept with a request may be.

Deadlines. The rules are data (``Jurisdiction``, editable by officers); this module only
counts. Months follow the UK ICO's reading of "one month": the same date in the next month,
the month's last day when that date does not exist (31 January → 28 or 29 February), then,
where the rule says so, the next working day when the date falls on a weekend or a bank
holiday. Working days come from the ``holidays`` library for the rule's calendar (a country
code, with an optional subdivision: "GB-ENG", "US-CA"), less the days a law does not count as
holidays (``NOT_HOLIDAYS``): each law's own definition of a working or business day, cited in
the seeded rule's note (services/install.py).

A rule changes over time (Vietnam's Decree 13/2023 gave 72 hours, Decree 356/2025 from
1 January 2026 gives 2 working days): a request is counted under the rule in force on the day
it was received, so the terms come from the rule version whose effective date is the latest on
or before that day (``DeadlineRule``). An extension is counted either from receipt (the ICO's
three months, the CCPA's 90 days in all) or from the first due date (Vietnam's 15 more days).

Facebook. Facebook POSTs ``signed_request=<signature>.<payload>`` when someone removes the
app and asks for their data to be deleted: both parts base64url (without padding, though `=`
padding is accepted), the payload carrying its ``issued_at`` time (required), the signature
being the HMAC-SHA256 of the encoded payload under the app secret. We answer with the status
page URL and a confirmation code Facebook shows to the person
(https://developers.facebook.com/docs/development/create-an-app/app-dashboard/data-deletion-callback).
"""

from __future__ import annotations

import base64
import binascii
import calendar as month_calendar
import hashlib
import hmac
import json
import time as clock_time
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import PurePath
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# --- Permissions ------------------------------------------------------------------------------

VIEW_PERMISSION = "subject_requests.view_subjectrequest"
# Officers hold these (apps/accounts/domain.py, the staff roles); auditors view only, support agents nothing.
HANDLE_PERMISSION = "subject_requests.handle_subjectrequest"
APPROVE_PERMISSION = "subject_requests.approve_subjectrequest"
ADD_PERMISSION = "subject_requests.add_subjectrequest"
# Who may see whom a request is from: the same test as on legal holds. Auditors (without it)
# see the pseudonymous subject reference, the status and deadlines, never messages or files.
SEE_SUBJECT_PERMISSION = "accounts.view_user"


def sees_subject(user) -> bool:
    return user.has_perm(SEE_SUBJECT_PERMISSION)


def may_handle(user) -> bool:
    return user.has_perm(HANDLE_PERMISSION)


# --- Deadlines --------------------------------------------------------------------------------


class Unit(models.TextChoices):
    HOURS = "hours", _("hours")
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


SINGULAR: dict[str, StrPromise] = {
    Unit.HOURS: _("hour"),
    Unit.DAYS: _("calendar day"),
    Unit.WORKING_DAYS: _("working day"),
    Unit.MONTHS: _("month"),
}


class ExtensionFrom(models.TextChoices):
    RECEIPT = "receipt", _("from receipt (the whole period, extension included)")
    DUE_DATE = "due_date", _("from the first due date (a further period)")


@dataclass(frozen=True)
class Terms:
    """What one jurisdiction gives one request type."""

    acknowledge: Period
    respond: Period
    extension: Period | None
    extension_from: str
    roll_forward: bool  # a due date on a non-working day moves to the next working day
    pauses_clock: bool  # waiting for identity or clarification stops the clock
    calendar: str
    timezone: str


# Days the ``holidays`` library lists for a calendar that the portal does not count as holidays
# (each name also without its " (observed)" day). California: the CCPA regulations count in
# "business days" (11 CCR §7021) but do not define them (§7001 has no definition); the portal
# counts Monday to Friday except the holidays on which California's state offices close (CalHR's
# state holidays: New Year's Day, Martin Luther King Jr. Day, Presidents' Day, Cesar Chavez Day,
# Memorial Day, Independence Day, Labor Day, Veterans Day, Thanksgiving and the day after,
# Christmas), which gives issue 14's example (9 February 2024 → 26 February 2024). Not counted:
# Susan B. Anthony Day (15 February), a commemorative day in no holiday list of the state;
# Juneteenth (Gov. Code §6700 since AB 1655 of 2022) and Diwali (§6700 since AB 268 of 2025),
# on which offices stay open and state employees may take a personal holiday, as §6700's Lincoln
# Day (12 February), which the library does not list either. Officers can change the note and,
# where counsel reads it otherwise, the jurisdiction's calendar.
NOT_HOLIDAYS: dict[str, frozenset[str]] = {
    "US-CA": frozenset({"Susan B. Anthony Day", "Juneteenth National Independence Day", "Diwali"}),
}
OBSERVED = " (observed)"


@lru_cache(maxsize=64)
def _holidays(calendar: str, year: int) -> frozenset[date]:
    country, _sep, subdivision = calendar.partition("-")
    listed = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    excluded = NOT_HOLIDAYS.get(calendar, frozenset())
    return frozenset(
        day
        for day, name in listed.items()
        if not {part.removesuffix(OBSERVED) for part in name.split("; ")} <= excluded
    )


def is_working_day(day: date, calendar: str) -> bool:
    """Monday to Friday, except the calendar's holidays: the working days of Regulation 1182/71
    (Art. 2(2)), the UK's bank holidays, California's business days, Vietnam's working days."""
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
    """The last day of ``period`` counted from the day after ``start`` (hours: see ``deadline_moment``)."""
    if period.unit == Unit.MONTHS:
        return add_months(start, period.amount)
    if period.unit == Unit.DAYS:
        return start + timedelta(days=period.amount)
    if period.unit == Unit.HOURS:
        return start + timedelta(days=-(-period.amount // 24))
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
    due_at: datetime  # the last moment: the end of ``due_on`` where the rule applies, or an hour
    extended_due_at: datetime | None


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def end_of_day(day: date, timezone: str) -> datetime:
    """The last moment of ``day`` where the rule applies: a deadline is met until then."""
    return datetime.combine(day, time.max, tzinfo=ZoneInfo(timezone))


def compute(terms: Terms, *, received_at: datetime, paused_days: int = 0) -> Deadlines:
    """The deadlines of a request received at ``received_at`` whose clock stood still ``paused_days``.

    Pauses push the response date (not the acknowledgement) by the days paused, where the rule
    lets the clock pause. An extension is counted as the rule says: from receipt (the pauses
    added too) or from the unextended due date. A period in hours ends at that hour, not at
    the end of a day (Decree 13/2023's 72 hours).
    """
    where = terms.timezone
    received = local_date(received_at, where)
    paused = timedelta(days=paused_days if terms.pauses_clock else 0)

    def period_end(start: date, start_at: datetime, period: Period) -> tuple[date, datetime]:
        if period.unit == Unit.HOURS:
            moment = start_at + timedelta(hours=period.amount)
            return local_date(moment, where), moment
        day = add_period(start, period, terms.calendar)
        return day, end_of_day(day, where)

    acknowledge_by, _ack_at = period_end(received, received_at, terms.acknowledge)
    # The period is counted from receipt, then the days the clock stood still are added: added
    # first, they would vanish into a short month (29 January + 1 month = 28 February either way).
    due, due_at = period_end(received, received_at, terms.respond)
    due, due_at = due + paused, due_at + paused
    extended: date | None = None
    extended_at: datetime | None = None
    if terms.extension is not None:
        if terms.extension_from == ExtensionFrom.RECEIPT:
            extended, extended_at = period_end(received, received_at, terms.extension)
            extended, extended_at = extended + paused, extended_at + paused
        else:
            extended, extended_at = period_end(due, due_at, terms.extension)
    if terms.roll_forward:
        # Regulation 1182/71 Art. 3(4), the ICO: a period ending on a non-working day runs to
        # the end of the next working day (not for periods in hours).
        if terms.respond.unit != Unit.HOURS:
            due = next_working_day(due, terms.calendar)
            due_at = end_of_day(due, where)
        if extended is not None and terms.extension is not None and terms.extension.unit != Unit.HOURS:
            extended = next_working_day(extended, terms.calendar)
            extended_at = end_of_day(extended, where)
    return Deadlines(
        received_on=received,
        acknowledge_by=acknowledge_by,
        due_on=due,
        extended_due_on=extended,
        due_at=due_at,
        extended_due_at=extended_at,
    )


# A year of receipt days (a leap year, every weekday and month end) on which an extension is
# checked to end after the first due date (``extension_ends_after_due``).
SAMPLE_YEAR = 2024


def extension_ends_after_due(terms: Terms) -> bool:
    """Whether an extension always gives more time than the first due date: for a request received
    on any day of a sample year, the extended end falls after the due date. An extension counted
    from receipt that is no longer than the response period (15 days from receipt against 20)
    would move the deadline earlier or nowhere."""
    if terms.extension is None:
        return True
    where = ZoneInfo(terms.timezone)
    day = date(SAMPLE_YEAR, 1, 1)
    while day.year == SAMPLE_YEAR:
        deadlines = compute(terms, received_at=datetime.combine(day, time(12), tzinfo=where))
        if deadlines.extended_due_at is None or deadlines.extended_due_at <= deadlines.due_at:
            return False
        day += timedelta(days=1)
    return True


# --- Facebook's signed request ---------------------------------------------------------------

MAX_SIGNED_REQUEST = 4096  # Facebook's are a few hundred characters; anything far longer is not one
ALGORITHM = "HMAC-SHA256"
MAX_AGE_SECONDS = 24 * 3600
# How far ahead of our clock Facebook's may be.
MAX_CLOCK_SKEW_SECONDS = 300


class SignedRequestError(ValueError):
    """The signed request is missing, malformed, or not signed with our app secret."""


@dataclass(frozen=True)
class DeletionRequest:
    user_id: str
    payload: dict[str, Any]


def app_secret() -> str:
    """The Facebook app's secret: FACEBOOK_APP_SECRET (the same one allauth's provider uses)."""
    return getattr(settings, "FACEBOOK_APP_SECRET", "") or ""


def _b64decode(part: str) -> bytes:
    # Facebook sends base64url without padding, but its own sample decoder tolerates `=` padding
    # (at most two, at the end), and so do we.
    unpadded = part.removesuffix("==") if part.endswith("==") else part.removesuffix("=")
    if not unpadded or not all(c.isascii() and (c.isalnum() or c in "-_") for c in unpadded):
        raise SignedRequestError("not base64url")
    part = unpadded
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SignedRequestError("not base64url") from exc


def sign(payload: dict[str, Any], secret: str) -> str:
    """Build a signed request as Facebook does (used by the tests, and handy for trying the endpoint)."""
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    signature = hmac.new(secret.encode(), encoded.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(signature).rstrip(b"=").decode() + "." + encoded


def parse_signed_request(signed_request: str, secret: str) -> DeletionRequest:
    """Verify and decode; raises SignedRequestError for anything but a valid deletion request."""
    if not secret:
        raise SignedRequestError("no Facebook app secret is configured")
    if not isinstance(signed_request, str) or not signed_request or len(signed_request) > MAX_SIGNED_REQUEST:
        raise SignedRequestError("missing or oversized signed_request")
    parts = signed_request.split(".")
    if len(parts) != 2:
        raise SignedRequestError("expected signature.payload")
    encoded_signature, encoded_payload = parts
    signature = _b64decode(encoded_signature)
    expected = hmac.new(secret.encode(), encoded_payload.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise SignedRequestError("bad signature")
    try:
        payload = json.loads(_b64decode(encoded_payload))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SignedRequestError("payload is not JSON") from exc
    if not isinstance(payload, dict):
        raise SignedRequestError("payload is not an object")
    if str(payload.get("algorithm", "")).upper() != ALGORITHM:
        raise SignedRequestError("unsupported algorithm")
    # Required: without it a captured request could be replayed for ever. Facebook calls at once,
    # so an old one (or one from the future beyond a small clock skew) is refused.
    issued_at = payload.get("issued_at")
    if issued_at is None:
        raise SignedRequestError("missing issued_at")
    if not isinstance(issued_at, int) or isinstance(issued_at, bool):
        raise SignedRequestError("malformed issued_at")
    age = clock_time.time() - issued_at
    if age > MAX_AGE_SECONDS or age < -MAX_CLOCK_SKEW_SECONDS:
        raise SignedRequestError("expired signed_request")
    user_id = payload.get("user_id")
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        user_id = str(user_id)
    if not isinstance(user_id, str) or not (user_id.isascii() and user_id.isdigit()) or len(user_id) > 64:
        raise SignedRequestError("missing or malformed user_id")
    return DeletionRequest(user_id=user_id, payload=payload)


# --- Attachments ----------------------------------------------------------------------------

# Upload limits for letters and emails kept with a request (private storage).
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "message/rfc822": ".eml",
}
ATTACHMENT_EXTENSIONS = {".pdf", ".png", ".jpg", ".jpeg", ".txt", ".eml"}


def sniffed_type(head: bytes, name: str) -> str | None:
    """What the bytes are (not what the browser claimed), among the types we keep."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character cut at the end of the sample is still text.
        try:
            head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return None
    return "message/rfc822" if name.lower().endswith(".eml") else "text/plain"


def check_attachment(upload) -> str:
    """The upload's content type, or a ValidationError saying what is accepted."""
    if not upload.size:
        raise ValidationError(gettext("The file is empty."))
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            gettext("The file is %(size)s; attach files of up to %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(ATTACHMENT_MAX_BYTES)}
        )
    suffix = PurePath(upload.name or "").suffix.lower()
    upload.seek(0)
    content_type = sniffed_type(upload.read(2048), upload.name or "")
    upload.seek(0)
    if suffix not in ATTACHMENT_EXTENSIONS or content_type is None:
        raise ValidationError(gettext("Attach a PDF, PNG, JPEG, plain-text (.txt) or email (.eml) file."))
    if ATTACHMENT_TYPES[content_type] != suffix and not (content_type == "image/jpeg" and suffix == ".jpeg"):
        raise ValidationError(gettext("The file's content does not match its name (%(suffix)s).") % {"suffix": suffix})
    return content_type
