"""The aggregated statistics report in the admin (P-26): a page and its CSV, at /admin/statistics/.

Both show only the suppressed tables from ``apps.retention.selectors.statistics`` (suppression:
``apps.retention.domain.suppress``); neither ever has a row per person. Registered as
site-level admin pages (``register_site_view``) by the app's ready().
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.admin.site import register_site_view
from apps.core.charts import BarFrame
from apps.core.spreadsheets import SpreadsheetWriter
from apps.retention.domain import DEFAULT_PERIOD, PERIODS, THRESHOLD, Report, Table
from apps.retention.selectors.statistics import STATISTICS_REFRESH_MINUTES, statistics_report_cached

# Officers and auditors hold it (apps/accounts/domain.py, the staff roles), support agents do not: the report
# goes with the purge history, where what the portal keeps and removes is accounted for.
STATISTICS_PERMISSION = "retention.view_purgerun"


def may_view_statistics(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm(STATISTICS_PERMISSION))


def _period(request: HttpRequest) -> int | None:
    raw = request.GET.get("months", str(DEFAULT_PERIOD))
    return int(raw) if raw in {str(p) for p in PERIODS} else None


def _bad_period() -> HttpResponse:
    choices = ", ".join(str(p) for p in PERIODS)
    return HttpResponseBadRequest(
        _("The period must be one of: %(choices)s months.") % {"choices": choices}, content_type="text/plain"
    )


def statistics_view(request: HttpRequest) -> HttpResponse:
    months = _period(request)
    if months is None:
        return _bad_period()
    remembered = statistics_report_cached(months=months)
    report = remembered.value
    by_month = report.table("accounts_by_month")
    context = {
        **admin.site.each_context(request),
        "title": _("Aggregated statistics"),
        "report": report,
        "as_of": remembered.as_of,
        "refresh_minutes": STATISTICS_REFRESH_MINUTES,
        "threshold": THRESHOLD,
        "periods": PERIODS,
        "by_month": by_month,
        "chart": month_chart(by_month),
        "other_tables": [table for table in report.tables if table.code != "accounts_by_month"],
    }
    return TemplateResponse(request, "admin/retention/statistics.html", context)


def month_chart(table: Table) -> dict:
    """Bars for the month table; a suppressed month gets a marker, never a bar of its height."""
    shown = [cell.count for cell in table.rows if cell.count is not None]
    peak = max(shown, default=0) or 1
    many = len(table.rows) > 12
    frame = BarFrame(columns=len(table.rows), bar_width=20 if many else 36, gap=8 if many else 12, left=44)
    bars = []
    for index, cell in enumerate(table.rows):
        y, bar_height = frame.bar(cell.count or 0, peak)
        bars.append(
            {
                "cell": cell,
                "x": frame.x(index),
                "y": y,
                "height": bar_height,
                "label_x": frame.label_x(index),
                "marker_y": frame.baseline - 4,
            }
        )
    return {
        "bars": bars,
        "peak": peak if shown else 0,
        # Every cell suppressed or zero: no axis to draw, the template says so (the table stays).
        "has_data": any(shown),
        **frame.as_dict(),
        "font_size": 9 if many else 11,
    }


def csv_rows(report: Report) -> list[tuple[str, str, str]]:
    """(table, dimension, value) for every shown cell and total; suppressed cells as "<10" or "suppressed"."""
    rows = []
    for table in report.tables:
        for cell in [*table.rows, table.total]:
            rows.append((table.code, cell.key, cell.display))
    return rows


def statistics_csv(request: HttpRequest) -> HttpResponse:
    months = _period(request)
    if months is None:
        return _bad_period()
    report = statistics_report_cached(months=months).value  # the figures the page shows
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="privacy-portal-statistics-{months}-months-{report.today.isoformat()}.csv"'
    )
    writer = SpreadsheetWriter(response)
    writer.writerow(["table", "dimension", "value"])
    for table, dimension, value in csv_rows(report):
        writer.writerow([table, dimension, value])
    return response


def register() -> None:
    register_site_view(
        "statistics/",
        statistics_view,
        name="statistics",
        may_view=may_view_statistics,
        label=gettext_lazy("Aggregated statistics"),
        description=gettext_lazy("Anonymised figures for sharing (CSV), small cells suppressed"),
    )
    register_site_view("statistics/csv/", statistics_csv, name="statistics_csv", may_view=may_view_statistics)
