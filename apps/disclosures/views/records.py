"""Your Account → Disclosure records (P-22): the customer checks who received their data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.http import AuthenticatedHttpRequest
from apps.core.spreadsheets import SpreadsheetWriter
from apps.disclosures.selectors.records import (
    COLUMNS,
    category_labels,
    disclosure_rows_for_subject,
    visible_disclosures_for_subject,
    withheld_summary_for_subject,
)

PAGE_SIZE = 20


@login_required
@never_cache
@require_GET
def records(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(visible_disclosures_for_subject(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for disclosure in page.object_list:
        # An attribute for the template only (the kinds of data in words), not a model field.
        disclosure.category_labels = category_labels(disclosure.data_categories)  # type: ignore[attr-defined]
    withheld = withheld_summary_for_subject(user=request.user)
    return render(
        request,
        "disclosures/records.html",
        {"page": page, "withheld": withheld, "withheld_count": sum(row["count"] for row in withheld)},
    )


@login_required
@never_cache
@require_GET
def records_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The visible records as CSV; withheld ones are left out, as on the page."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="disclosure-records.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    writer = SpreadsheetWriter(response)
    writer.writerow(COLUMNS)
    for row in disclosure_rows_for_subject(user=request.user):
        writer.writerow([_cell(value) for value in row])
    return response


def _cell(value: Any) -> Any:
    # As the export's CSV files write them.
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return value
