"""Changelists that stay fast at millions of rows: estimated counts and index-probing date drilldowns.

Django's changelist counts its rows twice per page (the filtered list, and the whole table for
"N of M"), and its date hierarchy lists the years, months or days that have rows with a
``SELECT DISTINCT`` over every row in range. Both read the whole table: at a million customers
and ten million login events, seconds per page. Here (``at_scale``, which the portal's admin
site puts in front of every admin it registers, site.py):

* ``EstimatedCountPaginator``: an unfiltered list on PostgreSQL takes the planner's row count
  (``pg_class.reltuples``, kept by autovacuum); a filtered list is counted exactly up to
  ``EXACT_UP_TO`` rows (a ``LIMIT``ed count, so its cost is bounded), and beyond that
  PostgreSQL's planner estimates it. Other databases (SQLite, the embedded default) count up to
  ``COUNT_CAP`` rows and stop there. Small tables are counted exactly everywhere. ``estimated``
  says when the figure is not exact.
* no "N of M total" count (``show_full_result_count = False``);
* the date hierarchy asks, for each year, month or day in the range, whether a row exists in
  it (one statement of ``EXISTS`` probes, each an index range lookup that stops at the first
  row) instead of truncating and de-duplicating every row.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import Count, DateTimeField, Max, Min, QuerySet
from django.utils import timezone

# A filtered list is counted exactly up to this many rows (the LIMIT of the count's subquery).
EXACT_UP_TO = 1_000
# An unfiltered table the planner believes smaller than this is counted exactly.
EXACT_TABLE_BELOW = 10_000
# Where databases without a planner estimate stop counting.
COUNT_CAP = 100_000
# Beyond this many years, months or days in range, probing each costs more than it saves.
MAX_PROBES = 400


def table_estimate(queryset: QuerySet) -> int | None:
    """The planner's row count of the queryset's table on PostgreSQL (None when unknown or elsewhere)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    # -1: never vacuumed or analysed (PostgreSQL 14+); 0 may be an empty or a never-analysed table.
    return int(row[0]) if row and row[0] is not None and row[0] > 0 else None


def planner_estimate(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows a filtered queryset returns (EXPLAIN only plans the query)."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    try:
        plan = json.loads(queryset.order_by().explain(format="json"))
        return int(plan[0]["Plan"]["Plan Rows"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def is_unfiltered(queryset: QuerySet) -> bool:
    query = queryset.query
    return not query.where and not query.distinct and query.group_by is None and not query.combinator


class EstimatedCountPaginator(Paginator):
    """A paginator whose count never reads a large table whole (see the module's note)."""

    estimated = False

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        if is_unfiltered(queryset):
            estimate = table_estimate(queryset)
            if estimate is not None and estimate >= EXACT_TABLE_BELOW:
                self.estimated = True
                return estimate
            if estimate is not None or connections[queryset.db].vendor == "postgresql":
                return queryset.count()
        vendor = connections[queryset.db].vendor
        cap = EXACT_UP_TO if vendor == "postgresql" else COUNT_CAP
        counted = queryset.order_by()[: cap + 1].count()
        if counted <= cap:
            return counted
        self.estimated = True
        return max(planner_estimate(queryset) or 0, counted)

    # An estimate may be low (the planner on combined filters, a stale reltuples, a capped count):
    # it must never end the list before its rows do. Past the estimated last page a page is
    # still served while it has rows, and each page fetched one row more than it shows, so a
    # full page always offers the next one.

    def validate_number(self, number):
        if not (self.count and self.estimated):  # count first: it decides `estimated`
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number):
        number = self.validate_number(number)
        if not self.estimated:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        more = len(rows) > self.per_page
        reached = bottom + min(len(rows), self.per_page) + (1 if more else 0)
        if reached > self.count:
            self.__dict__["count"] = reached
            self.__dict__.pop("num_pages", None)
            self.__dict__.pop("page_range", None)
        return self._get_page(rows[: self.per_page], number, self)


# --- The date hierarchy ---------------------------------------------------------------------------


def _next(start: date, kind: str) -> date:
    if kind == "year":
        return start.replace(year=start.year + 1)
    if kind == "month":
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start + timedelta(days=1)


def _truncate(value: date, kind: str) -> date:
    if kind == "year":
        return date(value.year, 1, 1)
    if kind == "month":
        return date(value.year, value.month, 1)
    return date(value.year, value.month, value.day)


class DateProbingQuerySetMixin:
    """``dates()`` and ``datetimes()`` by year, month or day, answered by probing each period;
    the first and last date of a filtered list without walking the date index past rows that
    do not match (``aggregate`` of MIN/MAX, which Django's drilldown asks first)."""

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or not kwargs or not all(isinstance(value, Min | Max) for value in kwargs.values()):
            return super().aggregate(*args, **kwargs)  # type: ignore[misc]
        queryset: Any = self
        if is_unfiltered(queryset):  # each end of an index
            return super().aggregate(**kwargs)  # type: ignore[misc]
        # MIN over a filter is planned as a walk along the date index from its oldest end until a
        # row matches: when the matching rows are all recent (open requests among years of
        # closed ones) that walk reads nearly the whole table. A filter matching at most
        # EXACT_UP_TO rows is read by its own best plan instead, LIMITed, and aggregated.
        counted = "_rows_in_bounds"
        bounded = queryset.order_by()[: EXACT_UP_TO + 1]
        found = QuerySet.aggregate(bounded, **kwargs, **{counted: Count("pk")})
        if found.pop(counted) <= EXACT_UP_TO:
            return found
        return super().aggregate(**kwargs)  # type: ignore[misc]

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        zone = tzinfo or (timezone.get_current_timezone() if settings.USE_TZ else None)
        found = self._periods(field_name, kind, zone) if kind in ("year", "month", "day") else None
        if found is None:
            return super().datetimes(field_name, kind, order, tzinfo)  # type: ignore[misc]
        return found if order == "ASC" else found[::-1]

    def dates(self, field_name, kind, order="ASC"):
        found = self._periods(field_name, kind, None) if kind in ("year", "month", "day") else None
        if found is None:
            return super().dates(field_name, kind, order)  # type: ignore[misc]
        found = [moment.date() if isinstance(moment, datetime) else moment for moment in found]
        return found if order == "ASC" else found[::-1]

    def _periods(self, field_name: str, kind: str, zone) -> list | None:
        """The starts of the periods that hold a row: aware datetimes for a DateTimeField (midnight
        in ``zone``, else in the current zone, as Django's truncation uses), dates for a DateField."""
        queryset: Any = self
        field = get_fields_from_path(queryset.model, field_name)[-1]
        aware = isinstance(field, DateTimeField)
        if aware and zone is None and settings.USE_TZ:
            zone = timezone.get_current_timezone()
        bounds = queryset.aggregate(first=Min(field_name), last=Max(field_name))
        first, last = bounds["first"], bounds["last"]
        if first is None or last is None:
            return []
        if zone is not None and timezone.is_aware(first):
            first, last = first.astimezone(zone), last.astimezone(zone)
        starts: list[date] = []
        start = _truncate(first.date() if isinstance(first, datetime) else first, kind)
        end = last.date() if isinstance(last, datetime) else last
        while start <= end:
            starts.append(start)
            if len(starts) > MAX_PROBES:
                return None
            start = _next(start, kind)

        def bound(day: date):
            if not aware:
                return day
            # Midnight where the officer is: the drilldown's links filter by that zone's days.
            return datetime(day.year, day.month, day.day, tzinfo=zone)

        connection = connections[queryset.db]
        probes, params = [], []
        for day in starts:
            # A scalar subquery ordered by the date, so each probe walks the date index within
            # its period and stops at the first match. EXISTS would not do: PostgreSQL drops an
            # EXISTS subquery's ORDER BY, and the planner may then prefer a sequential scan that
            # "soon" meets a match, reading half the table when the period's rows lie at its far
            # end (ten million sign-ins: 165 ms a probe).
            inner = queryset.order_by(field_name).filter(
                **{f"{field_name}__gte": bound(day), f"{field_name}__lt": bound(_next(day, kind))}
            )
            # The date itself, the one column even when the list is DISTINCT (which selects
            # what it orders by); a row in range has one.
            first_in_period = inner.values(field_name)[:1]
            sql, inner_params = first_in_period.query.get_compiler(using=queryset.db).as_sql()
            probes.append(f"({sql}) IS NOT NULL")
            params.extend(inner_params)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(probes)}", params)
            row = cursor.fetchone()
        return [bound(day) for day, present in zip(starts, row, strict=True) if present]


def values_present(queryset: QuerySet, field_name: str, candidates: list[str]) -> list[str]:
    """Which of ``candidates`` occur in ``field_name`` of the queryset: one statement of EXISTS
    probes, each an index lookup when the column leads an index, where ``SELECT DISTINCT``
    would read every row (PostgreSQL cannot skip through an index to the next value)."""
    if not candidates:
        return []
    probes, params = [], []
    for value in candidates:
        inner = queryset.order_by().filter(**{field_name: value}).values("pk")[:1]
        sql, inner_params = inner.query.get_compiler(using=queryset.db).as_sql()
        probes.append(f"EXISTS({sql})")
        params.extend(inner_params)
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(probes)}", params)
        row = cursor.fetchone()
    return [value for value, present in zip(candidates, row, strict=True) if present]


_probing_classes: dict[type, type] = {}


def with_date_probes(queryset: QuerySet) -> QuerySet:
    """The same queryset, its ``dates``/``datetimes`` probing by period (class made once per queryset class)."""
    base = type(queryset)
    if issubclass(base, DateProbingQuerySetMixin):
        return queryset
    if base not in _probing_classes:
        _probing_classes[base] = type(f"Probing{base.__name__}", (DateProbingQuerySetMixin, base), {})
    clone = queryset._chain()  # type: ignore[attr-defined]
    clone.__class__ = _probing_classes[base]
    return clone


_changelist_classes: dict[type, type] = {}


def probing_changelist(changelist_class: type) -> type:
    if changelist_class not in _changelist_classes:

        def get_queryset(self, request, exclude_parameters=None):
            return with_date_probes(changelist_class.get_queryset(self, request, exclude_parameters))

        _changelist_classes[changelist_class] = type(
            changelist_class.__name__, (changelist_class,), {"get_queryset": get_queryset}
        )
    return _changelist_classes[changelist_class]


class AtScaleMixin:
    """What ``at_scale`` adds to a model admin: the probing changelist."""

    def get_changelist(self, request, **kwargs):
        return probing_changelist(super().get_changelist(request, **kwargs))  # type: ignore[misc]


def _declares(admin_class: type, name: str) -> bool:
    """Whether the admin (not Django's ModelAdmin) sets ``name`` itself."""
    django_classes = set(admin.ModelAdmin.__mro__)
    return any(name in vars(klass) for klass in admin_class.__mro__ if klass not in django_classes)


def at_scale(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """``admin_class`` with estimated counts, no full count and probing date drilldowns.

    A paginator or ``show_full_result_count`` an admin sets itself is kept.
    """
    if issubclass(admin_class, AtScaleMixin):
        return admin_class
    namespace: dict[str, Any] = {
        "__module__": admin_class.__module__,
        "__qualname__": admin_class.__qualname__,
        "__doc__": admin_class.__doc__,
    }
    if not _declares(admin_class, "paginator"):
        namespace["paginator"] = EstimatedCountPaginator
    if not _declares(admin_class, "show_full_result_count"):
        namespace["show_full_result_count"] = False
    return type(admin_class.__name__, (AtScaleMixin, admin_class), namespace)
