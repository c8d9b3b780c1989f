"""Officer pages in the admin that are not one model's list: the finder and the registry map."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from apps.personal_data.selectors import find_personal_data, personal_data_exemption_rows, personal_data_map_rows

FINDER_PERMISSION = "personal_data.run_erasure"


@permission_required(FINDER_PERMISSION, raise_exception=True)
def personal_data_finder(request: HttpRequest) -> HttpResponse:
    """Answer "where do we hold this person's data?" for a value an officer types."""
    # A NUL cannot be in a PostgreSQL text value: as a search term it is an error, not a miss.
    query = request.GET.get("q", "").replace("\x00", "").strip()
    error = ""
    findings = []
    if query and len(query) < 3:
        error = _("Give at least 3 characters to search for.")
    elif query:
        findings = find_personal_data(query[:200])
    context = {
        **admin.site.each_context(request),
        "title": _("Find personal data"),
        "query": query,
        "findings": findings,
        "error": error,
        "searched": bool(query) and not error,
    }
    return render(request, "admin/personal_data/finder.html", context, status=400 if error else 200)


@permission_required(FINDER_PERMISSION, raise_exception=True)
def personal_data_map(request: HttpRequest) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": _("Personal-data map (record of processing)"),
        "rows": personal_data_map_rows(),
        "exempt": personal_data_exemption_rows(),
    }
    return render(request, "admin/personal_data/map.html", context)
