"""Figures about subject requests for the officers' dashboard (admin/dashboard.py), its yearly CSV,
and the aggregated statistics report (registered in apps.py).

Counted in SQL (aggregates, and window functions for medians), so nothing here reads a row
per person into Python: the medians fetch at most the two middle durations of each group.
The yearly figures per type (received, complied with, denied, median days to close) are what
the CCPA regulations ask large businesses to publish (11 CCR § 7102).

What counts:
- received: confirmed requests (not those still awaiting confirmation or expired unconfirmed,
  which never existed as requests, nor repeats linked to an open one), by the year received;
- complied: completed; denied: rejected; closed: either of the two (a withdrawn request is
  neither complied with nor denied);
- days to close: from received to closed, in days (fractions kept for the median);
- on time: closed by the deadline (the extended one when extended).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Window
from django.db.models.functions import ExtractYear, RowNumber, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language

from apps.core.cache import remembered
from apps.core.charts import last_months, next_month
from apps.core.clock import organisation_today
from apps.subject_requests.models import RequestType, SubjectRequest
from apps.subject_requests.selectors import deadlines

Status = SubjectRequest.Status
CLOSED = (Status.COMPLETED, Status.REJECTED)


def counted_requests() -> QuerySet[SubjectRequest]:
    """Requests that count as received (see the module's note)."""
    return SubjectRequest.objects.exclude(status__in=(Status.AWAITING_VERIFICATION, Status.EXPIRED)).filter(
        duplicate_of__isnull=True
    )


def _days(value: timedelta) -> float:
    return value.total_seconds() / 86400


def median_days_to_close(requests: QuerySet[SubjectRequest], *groups: str) -> dict[tuple, float]:
    """The median days from received to closed of closed requests, per group of ``groups`` values.

    Ranks each group's durations with window functions and fetches only the middle one or two.
    """
    duration = ExpressionWrapper(F("closed_at") - F("received_at"), output_field=DurationField())
    partition = [F(name) for name in groups]
    ranked = (
        requests.filter(status__in=CLOSED, closed_at__isnull=False)
        .annotate(
            days=duration,
            position=Window(RowNumber(), partition_by=partition, order_by=[duration.asc(), F("pk").asc()]),
            size=Window(Count("pk"), partition_by=partition),
        )
        .filter(Q(position=(F("size") + 1) / 2) | Q(position=(F("size") + 2) / 2))
        .values_list(*groups, "days")
        .order_by()
    )
    middles: dict[tuple, list[float]] = {}
    for *key, days in ranked:
        middles.setdefault(tuple(key), []).append(_days(days))
    return {key: round(sum(values) / len(values), 1) for key, values in middles.items()}


@dataclass(frozen=True)
class TypeRow:
    request_type: str
    label: str
    received: int
    closed: int
    on_time: int
    median_days: float | None


@dataclass(frozen=True)
class Dashboard:
    open_by_status: list[tuple[str, int]]  # (status label, count), open statuses in order
    open_total: int
    due_this_week: int
    overdue: int
    closed: int
    closed_on_time: int
    by_type: list[TypeRow]
    months: list[dict]  # {"month": date, "count": n}

    @property
    def on_time_share(self) -> float | None:
        return round(100 * self.closed_on_time / self.closed, 1) if self.closed else None


def open_figures(now: datetime) -> dict[str, Any]:
    """The dashboard's live part: open requests by status, due this week, overdue (an index
    on status finds the few open ones among all requests)."""
    open_counts: dict[str, int] = dict(
        SubjectRequest.objects.filter(status__in=SubjectRequest.OPEN_STATUSES)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "open_by_status": [
            (str(Status(value).label), open_counts.get(value, 0)) for value in SubjectRequest.OPEN_STATUSES
        ],
        "open_total": sum(open_counts.values()),
        "due_this_week": deadlines.due_soon(SubjectRequest.objects.all(), now).count(),
        "overdue": deadlines.overdue(SubjectRequest.objects.all(), now).count(),
    }


# The figures over all requests (per type, on time, medians, per month) read every request:
# kept and shown with their time, recomputed by beat every DASHBOARD_REFRESH_MINUTES
# (services/dashboard.py) before the kept ones expire; the open counts stay live.
DASHBOARD_REFRESH_MINUTES = 5
DASHBOARD_CACHE_SECONDS = 2 * 60 * DASHBOARD_REFRESH_MINUTES


def dashboard_cache_key(now: datetime) -> str:
    # Per day and language: the type labels are translated when the figures are computed.
    return f"subject_requests:dashboard:{organisation_today(now=now).isoformat()}:{get_language()}"


def dashboard_cached(*, now: datetime | None = None) -> tuple[Dashboard, datetime]:
    """``dashboard`` with its all-time figures as last computed (and when), its open, due and
    overdue counts read now."""
    now = now or timezone.now()
    history = remembered(dashboard_cache_key(now), DASHBOARD_CACHE_SECONDS, lambda: dashboard(now=now))
    return replace(history.value, **open_figures(now)), history.as_of


def dashboard(*, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    requests = counted_requests()
    on_time = Q(closed_at__lte=F("deadline_at"))
    totals = deadlines.with_deadline(requests).aggregate(
        closed=Count("pk", filter=Q(status__in=CLOSED)),
        on_time=Count("pk", filter=Q(status__in=CLOSED) & on_time),
    )
    per_type: dict[str, Mapping[str, Any]] = {
        row["request_type"]: row
        for row in deadlines.with_deadline(requests)
        .values("request_type")
        .annotate(
            received=Count("pk"),
            closed=Count("pk", filter=Q(status__in=CLOSED)),
            on_time=Count("pk", filter=Q(status__in=CLOSED) & on_time),
        )
        .order_by()
    }
    medians = median_days_to_close(requests, "request_type")
    by_type = [
        TypeRow(
            request_type=value,
            label=str(label),
            received=per_type.get(value, {}).get("received", 0),
            closed=per_type.get(value, {}).get("closed", 0),
            on_time=per_type.get(value, {}).get("on_time", 0),
            median_days=medians.get((value,)),
        )
        for value, label in RequestType.choices
    ]
    return Dashboard(
        **open_figures(now),
        closed=totals["closed"],
        closed_on_time=totals["on_time"],
        by_type=by_type,
        months=requests_per_month(today=organisation_today(now=now)),
    )


def requests_per_month(*, today: date, count: int = 12) -> list[dict]:
    """Requests received in each of the last ``count`` months (oldest first, empty months as 0)."""
    months = last_months(today, count)
    zone = timezone.get_current_timezone()
    start = datetime(months[0].year, months[0].month, 1, tzinfo=zone)
    end_month = next_month(months[-1])
    end = datetime(end_month.year, end_month.month, 1, tzinfo=zone)
    rows = (
        counted_requests()
        .filter(received_at__gte=start, received_at__lt=end)
        .annotate(month=TruncMonth("received_at"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[date, int] = {}
    for month, n in rows:
        month = month.date() if isinstance(month, datetime) else month
        counts[month] = counts.get(month, 0) + n
    return [{"month": month, "count": counts.get(month, 0)} for month in months]


@dataclass(frozen=True)
class YearRow:
    year: int
    request_type: str
    received: int
    complied: int
    denied: int
    median_days: float | None


def yearly(*, years: int | None = None) -> list[YearRow]:
    """Per year received and type: received, complied (completed), denied (rejected), median days to close."""
    requests = counted_requests().annotate(year=ExtractYear("received_at"))
    if years:
        requests = requests.filter(year__gt=organisation_today().year - years)
    counts = (
        requests.values("year", "request_type")
        .annotate(
            received=Count("pk"),
            complied=Count("pk", filter=Q(status=Status.COMPLETED)),
            denied=Count("pk", filter=Q(status=Status.REJECTED)),
        )
        .order_by("year", "request_type")
    )
    medians = median_days_to_close(requests, "year", "request_type")
    return [
        YearRow(
            year=row["year"],
            request_type=row["request_type"],
            received=row["received"],
            complied=row["complied"],
            denied=row["denied"],
            median_days=medians.get((row["year"], row["request_type"])),
        )
        for row in counts
    ]


def requests_by_type_since(since: datetime) -> dict[str, int]:
    """Rights exercised since ``since``, per type (one GROUP BY), for the aggregated statistics report."""
    rows = counted_requests().filter(received_at__gte=since).values("request_type").annotate(n=Count("pk"))
    return {str(RequestType(row["request_type"]).label): row["n"] for row in rows}
