"""Pieces the subject-request admin pages share: permissions, the deadline clock, who sees whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.subject_requests.models import SubjectRequest

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


def handlers() -> QuerySet[User]:
    """Active staff who may handle requests: the people requests are assigned to."""
    app_label, codename = HANDLE_PERMISSION.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | Q(groups__permissions__in=permission) | Q(user_permissions__in=permission))
        .distinct()
        .order_by("email")
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
