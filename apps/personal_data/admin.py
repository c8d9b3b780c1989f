"""The officer's admin pages for personal data.

* The engine's runs: erasures (with their certificates) and exports. Read-only.
* Site-level pages that are not one model's (``register_site_views``, called from
  PersonalDataConfig.ready): the finder at /admin/personal-data/find/, the registry map
  at /admin/personal-data/map/ and the records of processing (Art. 30) at
  /admin/personal-data/records-of-processing/.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdmin, SubjectPanel, is_object_id, register_subject_panel
from apps.core.admin.site import register_site_view
from apps.core.clock import organisation_time
from apps.personal_data.models import DataExport, ErasureRun
from apps.personal_data.selectors import find_personal_data, personal_data_exemption_rows, personal_data_map_rows
from apps.personal_data.selectors.certificate import COUNTS, PLAN_COUNTS, certificate_summary
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
        """The tables that held something of the subject's; the others folded away, the summary linked."""
        tables = obj.certificate.get("tables") or obj.certificate.get("plan") or []
        if not tables:
            return "-"
        dry = "plan" in obj.certificate and "tables" not in obj.certificate
        keys = PLAN_COUNTS if dry else COUNTS

        def retained(row: dict) -> str:
            kept = [f"{k['field']} (kept: {k['legal_basis']}, {k['retention']})" for k in row.get("kept", [])]
            held = [
                f"{h['field']} (held: {', '.join(x['reason'] for x in h.get('holds', [])) or h.get('note', '')})"
                for h in row.get("held", [])
            ]
            return "; ".join(kept + held)

        touched = [row for row in tables if any(row.get(key) for key in keys)]
        empty = [row for row in tables if not any(row.get(key) for key in keys)]
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((row["table"], row["model"], *(row.get(key, 0) for key in keys), retained(row)) for row in touched),
        )
        notes = format_html_join("", "<p>{}</p>", ((note,) for note in obj.certificate.get("notes", [])))
        folded = format_html(
            "<details><summary>{}</summary><p>{}</p></details>",
            ngettext(
                "%(count)d table held nothing of the subject's",
                "%(count)d tables held nothing of the subject's",
                len(empty),
            )
            % {"count": len(empty)},
            ", ".join(row["model"] for row in empty),
        )
        return format_html(
            '<p><a href="{}">{}</a></p>'
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>"
            "</thead><tbody>{}</tbody></table>{}{}",
            reverse("admin:personal_data_erasurerun_certificate", args=[obj.pk]),
            _("Read the certificate's summary (printable)"),
            _("table"),
            _("model"),
            _("deleted") if not dry else _("to delete"),
            _("anonymised") if not dry else _("to anonymise"),
            _("kept rows") if not dry else _("to keep"),
            _("history rows scrubbed") if not dry else _("history to scrub"),
            _("kept or held, and why"),
            body,
            folded if empty else "",
            notes,
        )

    @admin.display(description=_("certificate (JSON)"))
    def certificate_json(self, obj: ErasureRun) -> str:
        url = reverse("admin:personal_data_erasurerun_certificate_json", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("The certificate as JSON"))

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/certificate/",
                wrap(self.certificate_view),
                name="personal_data_erasurerun_certificate",
            ),
            path(
                "<path:object_id>/certificate.json",
                wrap(self.certificate_json_view),
                name="personal_data_erasurerun_certificate_json",
            ),
            *super().get_urls(),
        ]

    def _run(self, request, object_id) -> ErasureRun:
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied  # documents to read: nothing here takes a POST
        if not self.has_view_permission(request):
            raise PermissionDenied
        if not is_object_id(object_id):
            raise Http404
        return get_object_or_404(ErasureRun, pk=object_id)

    def certificate_view(self, request, object_id):
        """The certificate as a document: one screen of summary, printable (a print style sheet)."""
        run = self._run(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Erasure certificate"),
            "run": run,
            "summary": certificate_summary(run.certificate),
            # Until the worker has finished the certificate is empty: a summary of it would read
            # "nothing erased, nothing kept", a false document if printed.
            "has_certificate": bool(run.certificate)
            and (run.dry_run or run.status in (ErasureRun.Status.COMPLETED, ErasureRun.Status.PARTIAL)),
            "json_url": reverse("admin:personal_data_erasurerun_certificate_json", args=[run.pk]),
            "change_url": reverse("admin:personal_data_erasurerun_change", args=[run.pk]),
        }
        return TemplateResponse(request, "admin/personal_data/erasurerun/certificate.html", context)

    def certificate_json_view(self, request, object_id):
        run = self._run(request, object_id)
        response = JsonResponse(run.certificate, json_dumps_params={"indent": 2, "sort_keys": True})
        response["Content-Disposition"] = f'inline; filename="erasure-certificate-{run.reference}.json"'
        return response


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
        "requested_by_whom",
    )
    readonly_fields = fields

    @admin.display(description=_("requested by"))
    def requested_by_whom(self, export: DataExport) -> str:
        # Staff are named (who prepared a copy of someone's data is an audit fact); the person
        # themselves is not, as the page keeps to bookkeeping.
        if export.requested_by_id is None:
            return "—"
        if export.requested_by_id == export.subject_id:
            return gettext("the person themselves")
        return str(export.requested_by)


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


# --- On the subject's page (apps.core.admin, subject panels) ---------------------------------


def erasures_of(subject) -> str:
    """The person's latest erasures, each with its certificate (indexed, LIMITed)."""
    erasures = ErasureRun.objects.filter(subject_id=subject.pk).order_by("-created_at")[:5]
    items = format_html_join(
        "",
        '<li>{}: {} — <a href="{}">{}</a></li>',
        (
            (
                gettext("Erasure of %(date)s") % {"date": f"{organisation_time(run.created_at):%Y-%m-%d}"},
                run.get_status_display(),
                reverse("admin:personal_data_erasurerun_certificate", args=[run.pk]),
                gettext("certificate") if not run.dry_run else gettext("plan (dry run)"),
            )
            for run in erasures
        ),
    )
    return format_html("<ul>{}</ul>", items) if items else gettext("None.")


def exports_of(subject) -> str:
    """The person's latest copies of their data (indexed, LIMITed)."""
    exports = DataExport.objects.filter(subject=subject).order_by("-created_at")[:5]
    items = format_html_join(
        "",
        '<li><a href="{}">{}</a>: {}</li>',
        (
            (
                reverse("admin:personal_data_dataexport_change", args=[export.pk]),
                gettext("Export of %(date)s") % {"date": f"{organisation_time(export.created_at):%Y-%m-%d}"},
                export.get_status_display(),
            )
            for export in exports
        ),
    )
    return format_html("<ul>{}</ul>", items) if items else gettext("None.")


# Two panels, each behind its own permission: a role may see erasures and not exports.
register_subject_panel(
    SubjectPanel(
        key="erasures",
        title=_("Erasures"),
        permission="personal_data.view_erasurerun",
        render=erasures_of,
        order=70,
    )
)
register_subject_panel(
    SubjectPanel(
        key="exports",
        title=_("Copies of their data"),
        permission="personal_data.view_dataexport",
        render=exports_of,
        order=71,
    )
)
