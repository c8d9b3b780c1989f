"""The aggregated statistics report in the admin (P-26): a page and its CSV, at /admin/statistics/.

Both show only the suppressed tables from ``apps.retention.statistics``; neither ever has a
row per person. Registered as site-level admin pages by the app's ready().
"""

from __future__ import annotations

import csv

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.admin_site import register_site_view
from apps.retention import statistics

# Officers and auditors hold it (apps/accounts/domain.py, the staff roles), support agents do not: the report
# goes with the purge history, where what the portal keeps and removes is accounted for.
STATISTICS_PERMISSION = "retention.view_purgerun"


def may_view_statistics(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm(STATISTICS_PERMISSION))


def _period(request: HttpRequest) -> int | None:
    raw = request.GET.get("months", str(statistics.DEFAULT_PERIOD))
    return int(raw) if raw in {str(p) for p in statistics.PERIODS} else None


def _bad_period() -> HttpResponse:
    choices = ", ".join(str(p) for p in statistics.PERIODS)
    return HttpResponseBadRequest(
        _("The period must be one of: %(choices)s months.") % {"choices": choices}, content_type="text/plain"
    )


def statistics_view(request: HttpRequest) -> HttpResponse:
    months = _period(request)
    if months is None:
        return _bad_period()
    report = statistics.statistics_report(months=months)
    by_month = report.table("accounts_by_month")
    context = {
        **admin.site.each_context(request),
        "title": _("Aggregated statistics"),
        "report": report,
        "threshold": statistics.THRESHOLD,
        "periods": statistics.PERIODS,
        "by_month": by_month,
        "chart": statistics.month_chart(by_month),
        "other_tables": [table for table in report.tables if table.code != "accounts_by_month"],
    }
    return TemplateResponse(request, "admin/retention/statistics.html", context)


def _csv_safe(text: str) -> str:
    # A spreadsheet would run a cell starting with one of these as a formula.
    return f"'{text}" if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def statistics_csv(request: HttpRequest) -> HttpResponse:
    months = _period(request)
    if months is None:
        return _bad_period()
    report = statistics.statistics_report(months=months)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="privacy-portal-statistics-{months}-months-{report.today.isoformat()}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(["table", "dimension", "value"])
    for table, dimension, value in statistics.csv_rows(report):
        writer.writerow([table, _csv_safe(dimension), value])
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
