"""The subject-request dashboard at /admin/requests/dashboard/ and its yearly CSV.

Site-level admin pages (``register_site_view``, called from SubjectRequestsConfig.ready) for
officers and auditors: figures only, counted in SQL by ``selectors/dashboard.py``; neither page
has a row per person.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.admin.site import register_site_view
from apps.core.charts import BarFrame
from apps.core.clock import organisation_today
from apps.core.spreadsheets import SpreadsheetWriter
from apps.subject_requests.domain import VIEW_PERMISSION
from apps.subject_requests.selectors.dashboard import DASHBOARD_REFRESH_MINUTES, dashboard_cached, yearly

# Officers and auditors hold it (apps/accounts/domain.py, the staff roles); support agents do not.
DASHBOARD_PERMISSION = VIEW_PERMISSION


def may_view_dashboard(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm(DASHBOARD_PERMISSION))


def month_chart(months: list[dict]) -> dict:
    """Bars for the requests received per month (server-side SVG, the table beside it)."""
    peak = max((row["count"] for row in months), default=0) or 1
    frame = BarFrame(columns=len(months), height=160)
    bars = []
    for index, row in enumerate(months):
        y, h = frame.bar(row["count"], peak)
        bars.append({**row, "x": frame.x(index), "y": y, "height": h, "label_x": frame.label_x(index)})
    return {"bars": bars, "peak": peak, **frame.as_dict(), "total": sum(row["count"] for row in months)}


def dashboard_view(request: HttpRequest) -> HttpResponse:
    figures, as_of = dashboard_cached()
    context = {
        **admin.site.each_context(request),
        "title": _("Subject requests dashboard"),
        "figures": figures,
        "as_of": as_of,
        "refresh_minutes": DASHBOARD_REFRESH_MINUTES,
        "chart": month_chart(figures.months),
    }
    return TemplateResponse(request, "admin/subject_requests/dashboard.html", context)


def dashboard_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="subject-requests-yearly-{organisation_today().isoformat()}.csv"'
    )
    writer = SpreadsheetWriter(response)
    writer.writerow(["year", "type", "received", "complied", "denied", "median_days_to_close"])
    for row in yearly():
        median = "" if row.median_days is None else f"{row.median_days:.1f}"
        writer.writerow([row.year, row.request_type, row.received, row.complied, row.denied, median])
    return response


def register() -> None:
    register_site_view(
        "requests/dashboard/",
        dashboard_view,
        name="subject_requests_dashboard",
        may_view=may_view_dashboard,
        label=gettext_lazy("Subject requests dashboard"),
        description=gettext_lazy("Open requests, deadlines, time to close; yearly figures per type (CSV)"),
    )
    register_site_view(
        "requests/dashboard/csv/", dashboard_csv, name="subject_requests_dashboard_csv", may_view=may_view_dashboard
    )
