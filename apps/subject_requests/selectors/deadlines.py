"""Reads of deadlines: the deadline as a query expression, due soon and overdue, and the
deadline clock as an officer reads it (the list's column, the request page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, TypedDict
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.subject_requests.domain import compute
from apps.subject_requests.models import SubjectRequest

if TYPE_CHECKING:
    from typing import TypeAlias

    from django_stubs_ext import WithAnnotations

DUE_SOON = timedelta(days=7)


class DeadlineAnnotation(TypedDict):
    """What ``with_deadline`` adds to each request."""

    deadline_at: datetime | None  # None when the request has neither a due date nor an extension


if TYPE_CHECKING:
    WithDeadline: TypeAlias = WithAnnotations[SubjectRequest, DeadlineAnnotation]


def deadline_expression() -> Coalesce:
    """The request's deadline now: the extended date if any, else the due date."""
    return Coalesce("extended_to", "due_at")


def with_deadline(requests: QuerySet[SubjectRequest]) -> QuerySet[WithDeadline]:
    return requests.annotate(deadline_at=deadline_expression())


def due_soon(
    requests: QuerySet[SubjectRequest], now: datetime | None = None, within: timedelta = DUE_SOON
) -> QuerySet[WithDeadline]:
    """Open requests whose deadline falls within ``within`` from now (not yet overdue)."""
    now = now or timezone.now()
    return with_deadline(requests).filter(
        status__in=SubjectRequest.OPEN_STATUSES,
        paused_since__isnull=True,  # a stopped clock runs towards nothing
        deadline_at__gte=now,
        deadline_at__lte=now + within,
    )


def overdue(requests: QuerySet[SubjectRequest], now: datetime | None = None) -> QuerySet[WithDeadline]:
    now = now or timezone.now()
    return with_deadline(requests).filter(
        status__in=SubjectRequest.OPEN_STATUSES, paused_since__isnull=True, deadline_at__lt=now
    )


@dataclass(frozen=True)
class Clock:
    """A request's deadline as the officer reads it."""

    deadline: date | None  # the deadline's date where the rule applies
    days_left: int | None  # whole days until the deadline (negative when overdue)
    overdue: bool
    paused: bool
    closed: bool

    @property
    def label(self) -> str:
        if self.closed:
            return _("closed")
        if self.deadline is None:
            return "—"
        if self.paused:
            return _("paused")
        if self.overdue:
            days = -(self.days_left or 0)
            return _("overdue by %(days)d days") % {"days": days} if days else _("overdue")
        if self.days_left == 0:
            return _("due today")
        return _("%(days)d days left") % {"days": self.days_left}


def clock(request: SubjectRequest, now: datetime | None = None) -> Clock:
    now = now or timezone.now()
    deadline = request.deadline
    closed = not request.is_open
    if deadline is None:
        return Clock(None, None, False, request.paused_since is not None, closed)
    # Days counted where the rule applies: the deadline is the end of that local day.
    today = now.astimezone(ZoneInfo(request.jurisdiction.timezone)).date()
    days_left = (request.deadline_on - today).days
    overdue = not closed and request.paused_since is None and deadline < now
    return Clock(request.deadline_on, days_left, overdue, request.paused_since is not None, closed)


def extension_limit_at(request: SubjectRequest) -> datetime | None:
    """The latest moment an extension could give this request under the rule in force when it was
    received (the ICO's three months from receipt, the CCPA's 90 days, Vietnam's 15 more days);
    the extension itself once granted; None when the rule allows none."""
    if request.extended_to is not None:
        return request.extended_to
    terms = request.jurisdiction.terms(request.request_type, received_at=request.received_at)
    if terms.extension is None:
        return None
    return compute(terms, received_at=request.received_at, paused_days=request.paused_days).extended_due_at


def extension_still_possible(request: SubjectRequest, now: datetime | None = None) -> bool:
    """Whether an officer could still extend: open, not extended yet, and the first due date not
    passed (the reasons must reach the person before it); the same test as the extend service."""
    if not request.is_open or request.extended_to is not None:
        return False
    now = now or timezone.now()
    return request.due_at is None or now <= request.due_at


def extension_limit(request: SubjectRequest, now: datetime | None = None) -> date | None:
    """What the pages show as "can be extended to": ``extension_limit_at`` as the date where the
    rule applies, while an extension is still possible; the extension itself once granted; None
    once the first due date passed without one (it can no longer be extended) or when closed."""
    if request.extended_to is None and not extension_still_possible(request, now):
        return None
    moment = extension_limit_at(request)
    return moment.astimezone(ZoneInfo(request.jurisdiction.timezone)).date() if moment else None
