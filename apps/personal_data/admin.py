"""The officer's admin pages for personal data.

* The engine's runs: erasures (with their certificates) and exports. Read-only.
* Site-level pages that are not one model's (``register_site_views``, called from
  PersonalDataConfig.ready): the finder at /admin/personal-data/find/, the registry map
  at /admin/personal-data/map/ and the records of processing (Art. 30) at
  /admin/personal-data/records-of-processing/.
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdmin
from apps.core.admin.site import register_site_view
from apps.personal_data.models import DataExport, ErasureRun
from apps.personal_data.selectors import find_personal_data, personal_data_exemption_rows, personal_data_map_rows
from apps.personal_data.selectors.processing import records_of_processing

FINDER_PERMISSION = "personal_data.run_erasure"


@admin.register(ErasureRun)
class ErasureRunAdmin(ReadOnlyAdmin):
    list_display = ("reference", "status", "request_reference", "created_at", "finished_at", "attempts", "dry_run")
    list_filter = ("status", "dry_run")

    def get_queryset(self, request):
        # Attempts are counted by each run's background job: one query for the whole page.
        return ErasureRun.with_attempts(super().get_queryset(request))

    search_fields = ("=reference", "request_reference", "=subject_reference")
    date_hierarchy = "created_at"
    list_per_page = 50
    fields = (
        "reference",
        "status",
        "request_reference",
        "subject_reference",
        "reason",
        "dry_run",
        "created_at",
        "started_at",
        "finished_at",
        "attempts",
        "last_error",
        "certificate_table",
        "certificate_json",
    )
    readonly_fields = fields

    @admin.display(description=_("certificate"))
    def certificate_table(self, obj: ErasureRun) -> str:
        tables = obj.certificate.get("tables") or obj.certificate.get("plan") or []
        if not tables:
            return "-"
        dry = "plan" in obj.certificate

        def retained(row: dict) -> str:
            kept = [f"{k['field']} (kept: {k['legal_basis']}, {k['retention']})" for k in row.get("kept", [])]
            held = [
                f"{h['field']} (held: {', '.join(x['reason'] for x in h.get('holds', [])) or h.get('note', '')})"
                for h in row.get("held", [])
            ]
            return "; ".join(kept + held)

        def counts(row: dict) -> tuple:
            if dry:
                keys = ("rows_to_delete", "rows_to_anonymise", "rows_to_keep", "history_rows_to_scrub")
            else:
                keys = ("rows_deleted", "rows_anonymised", "rows_kept", "history_rows_scrubbed")
            return tuple(row.get(k, 0) for k in keys)

        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((row["table"], row["model"], *counts(row), retained(row)) for row in tables),
        )
        notes = format_html_join("", "<p>{}</p>", ((note,) for note in obj.certificate.get("notes", [])))
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>"
            "</thead><tbody>{}</tbody></table>{}",
            _("table"),
            _("model"),
            _("deleted") if not dry else _("to delete"),
            _("anonymised") if not dry else _("to anonymise"),
            _("kept rows") if not dry else _("to keep"),
            _("history rows scrubbed") if not dry else _("history to scrub"),
            _("kept or held, and why"),
            body,
            notes,
        )

    @admin.display(description=_("certificate (JSON)"))
    def certificate_json(self, obj: ErasureRun) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.certificate, indent=2, sort_keys=True))


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    list_display = ("reference", "status", "created_at", "expires_at", "size_bytes")
    list_filter = ("status",)
    search_fields = ("=reference",)
    date_hierarchy = "created_at"
    list_per_page = 50
    # The file and the subject are personal data: the list and page show bookkeeping only.
    fields = (
        "reference",
        "status",
        "created_at",
        "expires_at",
        "size_bytes",
        "manifest_sha256",
        "attempts",
        "last_error",
    )
    readonly_fields = fields


# --- Site-level pages: the finder and the registry map ----------------------------------------


def may_use_finder(user) -> bool:
    return user.has_perm(FINDER_PERMISSION)


def personal_data_finder(request: HttpRequest) -> HttpResponse:
    """Answer "where do we hold this person's data?" for a value an officer types."""
    # A NUL cannot be in a PostgreSQL text value: as a search term it is an error, not a miss.
    query = request.GET.get("q", "").replace("\x00", "").strip()
    error = ""
    findings = []
    if query and len(query) < 3:
        error = gettext("Give at least 3 characters to search for.")
    elif query:
        findings = find_personal_data(query[:200])
    context = {
        **admin.site.each_context(request),
        "title": gettext("Find personal data"),
        "query": query,
        "findings": findings,
        "error": error,
        "searched": bool(query) and not error,
    }
    return render(request, "admin/personal_data/finder.html", context, status=400 if error else 200)


def personal_data_map(request: HttpRequest) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": gettext("Personal-data map (record of processing)"),
        "rows": personal_data_map_rows(),
        "exempt": personal_data_exemption_rows(),
    }
    return render(request, "admin/personal_data/map.html", context)


def records_of_processing_page(request: HttpRequest) -> HttpResponse:
    """The records of processing (Art. 30), generated, read-only."""
    context = {
        **admin.site.each_context(request),
        "title": gettext("Records of processing activities"),
        "record": records_of_processing(),
    }
    return render(request, "admin/personal_data/records_of_processing.html", context)


def register_site_views() -> None:
    # Linked from the admin index's "Privacy tools" box (templates/admin/index.html).
    register_site_view(
        "personal-data/find/", personal_data_finder, name="personal_data_finder", may_view=may_use_finder
    )
    register_site_view("personal-data/map/", personal_data_map, name="personal_data_map", may_view=may_use_finder)
    register_site_view(
        "personal-data/records-of-processing/",
        records_of_processing_page,
        name="personal_data_records_of_processing",
        may_view=may_use_finder,
    )
