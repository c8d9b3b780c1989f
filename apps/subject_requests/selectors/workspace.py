"""The request queue's saved views and the home page's request tiles (apps/core/admin/workspace.py).

One condition per queue (``queue_condition``): the request list's "queue" filter applies it and
the home page counts with it, so a tile's number is the length of the list it links to.

Every queue is a subset of the open requests (the status index): a few hundred rows at any
size of the customer base, so counting them on each visit of the home page stays cheap.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.core.admin.workspace import Tile, TileRow
from apps.core.clock import organisation_today
from apps.subject_requests.domain import may_handle
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.selectors.deadlines import clock, with_deadline

if TYPE_CHECKING:
    from apps.subject_requests.selectors.deadlines import WithDeadline

Status = SubjectRequest.Status
DUE_VERY_SOON = timedelta(days=3)
THIS_WEEK = timedelta(days=7)
ROWS = 5  # requests listed on a tile; the rest are one click away

# The saved views of the request list, in the order its filter offers them.
QUEUES: dict[str, object] = {
    "mine": gettext_lazy("Mine, open"),
    "unassigned": gettext_lazy("Unassigned, open"),
    "week": gettext_lazy("Due this week (overdue included)"),
    "overdue": gettext_lazy("Overdue"),
    "due3": gettext_lazy("Due within 3 days"),
    "acknowledge": gettext_lazy("Acknowledgement not sent"),
    "approval": gettext_lazy("Awaiting approval"),
}


def queue_condition(name: str, *, user, now: datetime) -> Q:
    """The rows of queue ``name``, over requests annotated with ``deadline_at`` (``with_deadline``)."""
    running = Q(status__in=SubjectRequest.OPEN_STATUSES)
    clock_runs = running & Q(paused_since__isnull=True)
    conditions = {
        "mine": running & Q(assignee_id=user.pk),
        "unassigned": running & Q(assignee__isnull=True),
        "week": clock_runs & Q(deadline_at__lt=now + THIS_WEEK),
        "overdue": clock_runs & Q(deadline_at__lt=now),
        "due3": clock_runs & Q(deadline_at__gte=now, deadline_at__lte=now + DUE_VERY_SOON),
        # Verified requests whose acknowledgement has not gone out (an unverified one is
        # acknowledged once the person confirms it is theirs).
        "acknowledge": running & ~Q(status=Status.AWAITING_VERIFICATION) & Q(acknowledged_at__isnull=True),
        "approval": Q(status=Status.AWAITING_APPROVAL),
    }
    return conditions[name]


def request_queue(
    name: str, *, user, requests: QuerySet[SubjectRequest] | None = None, now: datetime | None = None
) -> QuerySet[WithDeadline]:
    requests = SubjectRequest.objects.all() if requests is None else requests
    return with_deadline(requests).filter(queue_condition(name, user=user, now=now or timezone.now()))


def queue_counts(*, user, now: datetime | None = None) -> dict[str, int]:
    """Every queue's length, in one query over the open requests."""
    now = now or timezone.now()
    counts = with_deadline(SubjectRequest.objects.filter(status__in=SubjectRequest.OPEN_STATUSES)).aggregate(
        **{name: Count("pk", filter=queue_condition(name, user=user, now=now)) for name in QUEUES}
    )
    return {name: counts[name] or 0 for name in QUEUES}


def queue_url(name: str) -> str:
    return f"{reverse('admin:subject_requests_subjectrequest_changelist')}?{urlencode({'queue': name})}"


def _rows(name: str, *, user, now: datetime) -> tuple[TileRow, ...]:
    requests = (
        request_queue(name, user=user, now=now)
        .select_related("jurisdiction")
        .order_by("deadline_at", "received_at")[:ROWS]
    )
    rows = []
    for item in requests:
        state = clock(item, now)
        due = f"{state.deadline:%Y-%m-%d} ({state.label})" if state.deadline else _("no deadline")
        rows.append(
            TileRow(
                label=f"{item.short_reference} · {item.get_request_type_display()}",
                url=reverse("admin:subject_requests_subjectrequest_change", args=[item.pk]),
                detail=due,
                attention=state.overdue,
            )
        )
    return tuple(rows)


def request_tiles(request) -> list[Tile]:
    """The home page's request tiles for this member of staff (officers and auditors)."""
    user = request.user
    now = timezone.now()
    counts = queue_counts(user=user, now=now)
    tiles = []
    if may_handle(user):
        tiles.append(
            Tile(
                key="my_requests",
                title=_("My open requests"),
                count=counts["mine"],
                summary=_("assigned to me, soonest deadline first"),
                url=queue_url("mine"),
                rows=_rows("mine", user=user, now=now),
            )
        )
    tiles.append(
        Tile(
            key="unassigned_requests",
            title=_("Unassigned requests"),
            count=counts["unassigned"],
            summary=_("waiting for someone to take them"),
            url=queue_url("unassigned"),
            rows=_rows("unassigned", user=user, now=now),
            attention=counts["unassigned"] > 0,
        )
    )
    tiles.append(
        Tile(
            key="deadlines",
            title=_("Deadlines"),
            count=counts["overdue"],
            summary=_("overdue"),
            url=queue_url("overdue"),
            attention=counts["overdue"] > 0,
            figures=(
                (counts["due3"], _("due within 3 days"), queue_url("due3"), counts["due3"] > 0),
                (counts["week"], _("due this week, overdue included"), queue_url("week"), False),
            ),
        )
    )
    late_acknowledgements = (
        with_deadline(SubjectRequest.objects.filter(status__in=SubjectRequest.OPEN_STATUSES))
        .filter(queue_condition("acknowledge", user=user, now=now), acknowledge_by__lt=organisation_today())
        .exists()
        if counts["acknowledge"]
        else False
    )
    tiles.append(
        Tile(
            key="acknowledgements",
            title=_("Acknowledgements due"),
            count=counts["acknowledge"],
            summary=ngettext(
                "verified request not yet acknowledged", "verified requests not yet acknowledged", counts["acknowledge"]
            ),
            url=queue_url("acknowledge"),
            attention=late_acknowledgements,
        )
    )
    tiles.append(
        Tile(
            key="approvals",
            title=_("Awaiting approval"),
            count=counts["approval"],
            summary=ngettext(
                "request waiting for a second officer", "requests waiting for a second officer", counts["approval"]
            ),
            url=queue_url("approval"),
            attention=counts["approval"] > 0,
        )
    )
    return tiles
