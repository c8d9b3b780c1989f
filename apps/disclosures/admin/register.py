"""Admin for the disclosure register (P-20..P-23): the entries, their chain anchors and change history.

The register is append-only: every write goes through ``services.register``; the admin only
parses input (``forms.register``). Nothing here deletes, and the change pages are read-only apart
from the visibility form, the amendment form and the attachment form. The custom pages (chain
verification, the monthly chart, the CSV import, visibility, amendments, attachments) and the CSV
export for regulators are views and actions of ``DisclosureAdmin``; their reads are
``selectors.register``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.core.admin import AppendOnlyAdminMixin, HistoryRecordAdmin, ReadOnlyAdmin, is_object_id
from apps.core.admin.reauthentication import fresh_second_factor_required
from apps.core.clock import organisation_today
from apps.core.http import AuthenticatedHttpRequest
from apps.core.spreadsheets import SpreadsheetWriter
from apps.disclosures.admin.recipients import DisclosureInternationalFilter, RecipientCountryFilter
from apps.disclosures.domain import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from apps.disclosures.forms import apply_service_errors
from apps.disclosures.forms.register import (
    AmendForm,
    AttachmentForm,
    DisclosureAddForm,
    ImportForm,
    VisibilityForm,
    becomes_compelled,
    refuse_compelled,
)
from apps.disclosures.models import ChainAnchor, ChainHead, Disclosure, DisclosureAttachment, DisclosureSubject
from apps.disclosures.selectors.register import (
    REGISTER_EXPORT_COLUMNS,
    monthly_chart,
    register_export_rows,
    register_search,
    verify_chain,
)
from apps.disclosures.services import register as services
from apps.personal_data.registry import Category

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class SubjectsCount(TypedDict):
    """What ``DisclosureAdmin.get_queryset`` annotates its entries with."""

    subjects_count: int


@admin.register(Disclosure)
class DisclosureAdmin(AppendOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "sequence",
        "disclosed_at",
        "recipient",
        "recipient_category",
        "legal_basis",
        "international",
        "subject_count",
        "visibility",
        "amends_sequence",
    )
    list_display_links = ("sequence", "disclosed_at")
    list_filter = (
        "recipient__category",
        "legal_basis",
        RecipientCountryFilter,
        DisclosureInternationalFilter,
        "visibility",
    )
    date_hierarchy = "disclosed_at"
    search_fields = ("reference", "external_reference", "recipient__name")
    list_select_related = ("recipient", "amends")
    list_per_page = 50
    ordering = ("-sequence",)
    actions = ["export_csv"]
    add_form = DisclosureAddForm
    readonly_fields = (
        "sequence",
        "reference",
        "recipient",
        "recipient_category",
        "international",
        "safeguard",
        "categories",
        "description",
        "disclosed_at",
        "reason",
        "legal_basis",
        "external_reference",
        "requested_by",
        "approved_by",
        "recorded_by",
        "amends_link",
        "amendments_list",
        "subject_references",
        "visibility",
        "withheld_reason",
        "withheld_review_date",
        "notification_status",
        "previous_hash",
        "entry_hash",
        "created_at",
    )

    def get_queryset(self, request):
        # A correlated subquery, not a JOIN + GROUP BY: the changelist's COUNT and date
        # hierarchy queries stay on the register table alone.
        per_entry = (
            DisclosureSubject.objects.filter(disclosure=OuterRef("pk"))
            .order_by()
            .values("disclosure")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return super().get_queryset(request).annotate(subjects_count=Coalesce(Subquery(per_entry), 0))

    def get_search_results(self, request, queryset, search_term):
        return register_search(queryset, search_term), False

    def save_model(self, request, obj, form, change) -> None:
        # Through the service: it takes the next sequence, hashes the entry and links the subjects.
        data = form.cleaned_data
        saved = services.disclosure_record(
            recipient=data["recipient"],
            subjects=data["subject_emails"],
            data_categories=data["data_categories"],
            description=data["description"],
            disclosed_at=data["disclosed_at"],
            reason=data["reason"],
            legal_basis=data["legal_basis"],
            actor=request.user,
            external_reference=data.get("external_reference", ""),
            requested_by=data.get("requested_by", ""),
            approved_by=data.get("approved_by"),
            visibility=data["visibility"],
            withheld_reason=data.get("withheld_reason", ""),
            withheld_review_date=data.get("withheld_review_date"),
        )
        obj.__dict__.update(saved.__dict__)

    def save_related(self, request, form, formsets, change) -> None:
        pass  # the service wrote the subjects

    # Columns
    @admin.display(description=gettext_lazy("recipient category"), ordering="recipient__category")
    def recipient_category(self, obj: Disclosure) -> str:
        return obj.recipient.get_category_display()

    @admin.display(description=gettext_lazy("international"), boolean=True)
    def international(self, obj: Disclosure) -> bool:
        return obj.recipient.is_international

    @admin.display(description=gettext_lazy("safeguard"))
    def safeguard(self, obj: Disclosure) -> str:
        return obj.recipient.get_transfer_safeguard_display()

    @admin.display(description=gettext_lazy("subjects"), ordering="subjects_count")
    def subject_count(self, obj: WithAnnotations[Disclosure, SubjectsCount]) -> int:
        return obj.subjects_count

    @admin.display(description=gettext_lazy("amends"), ordering="amends__sequence")
    def amends_sequence(self, obj: Disclosure) -> str:
        return f"#{obj.amends.sequence}" if obj.amends is not None else "—"

    @admin.display(description=gettext_lazy("data categories"))
    def categories(self, obj: Disclosure) -> str:
        labels = dict(Category.choices)
        return ", ".join(str(labels.get(value, value)) for value in obj.data_categories)

    @admin.display(description=gettext_lazy("amends"))
    def amends_link(self, obj: Disclosure) -> str:
        if obj.amends is None:
            return "—"
        url = reverse("admin:disclosures_disclosure_change", args=[obj.amends_id])
        return format_html('<a href="{}">#{}</a>', url, obj.amends.sequence)

    @admin.display(description=gettext_lazy("amended by"))
    def amendments_list(self, obj: Disclosure) -> str:
        links = [
            format_html('<a href="{}">#{}</a>', reverse("admin:disclosures_disclosure_change", args=[pk]), sequence)
            for pk, sequence in obj.amendments.values_list("pk", "sequence")
        ]
        return format_html(", ".join(["{}"] * len(links)), *links) if links else "—"

    @admin.display(description=gettext_lazy("subjects (pseudonymous references)"))
    def subject_references(self, obj: Disclosure) -> str:
        return "\n".join(obj.subjects.values_list("subject_reference", flat=True))

    # Custom pages
    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("verify/", wrap(self.verify_view), name="disclosures_disclosure_verify"),
            path("chart/", wrap(self.chart_view), name="disclosures_disclosure_chart"),
            path("import/", wrap(self.import_view), name="disclosures_disclosure_import"),
            path("<path:object_id>/visibility/", wrap(self.visibility_view), name="disclosures_disclosure_visibility"),
            path("<path:object_id>/amend/", wrap(self.amend_view), name="disclosures_disclosure_amend"),
            path("<path:object_id>/attach/", wrap(self.attach_view), name="disclosures_disclosure_attach"),
            path(
                "<path:object_id>/attachments/<uuid:reference>/",
                wrap(self.attachment_view),
                name="disclosures_disclosure_attachment",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "chain_head": ChainHead.objects.first(),
            "latest_anchor": ChainAnchor.objects.first(),
            "can_import": request.user.has_perm("disclosures.add_disclosure"),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_set_visibility": request.user.has_perm("disclosures.change_disclosure"),
            "can_amend": request.user.has_perm("disclosures.add_disclosure"),
            "attachments": DisclosureAttachment.objects.filter(disclosure_id=object_id).select_related("uploaded_by")
            if is_object_id(object_id)
            else [],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def verify_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        checked, broken = verify_chain()
        context = self._context(
            request, title=_("Disclosure register: chain verification"), checked=checked, broken=broken
        )
        return TemplateResponse(request, "admin/disclosures/disclosure/verify.html", context)

    def _get_entry(self, request, object_id, permission: str) -> Disclosure:
        if not request.user.has_perm(f"disclosures.{permission}"):
            raise PermissionDenied
        if not is_object_id(object_id):
            raise Http404
        return get_object_or_404(Disclosure.objects.select_related("recipient"), pk=object_id)

    def visibility_view(self, request, object_id):
        entry = self._get_entry(request, object_id, "change_disclosure")
        initial = {
            "visibility": entry.visibility,
            "withheld_reason": entry.withheld_reason,
            "withheld_review_date": entry.withheld_review_date,
        }
        form = VisibilityForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.disclosure_set_visibility(disclosure=entry, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                self.message_user(
                    request, _("Visibility of entry #%(n)d changed.") % {"n": entry.sequence}, messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:disclosures_disclosure_change", args=[entry.pk]))
        context = self._context(
            request, title=_("Change visibility of entry #%(n)d") % {"n": entry.sequence}, entry=entry, form=form
        )
        return TemplateResponse(request, "admin/disclosures/disclosure/visibility.html", context)

    def attach_view(self, request, object_id):
        """Keep a document with the entry (the order, the letter); files are only ever added."""
        entry = self._get_entry(request, object_id, "change_disclosure")
        form = AttachmentForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.disclosure_attach(disclosure=entry, upload=form.cleaned_data["file"], actor=request.user)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                self.message_user(
                    request, _("Document attached to entry #%(n)d.") % {"n": entry.sequence}, messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:disclosures_disclosure_change", args=[entry.pk]))
        context = self._context(
            request, title=_("Attach a document to entry #%(n)d") % {"n": entry.sequence}, entry=entry, form=form
        )
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(request, "admin/disclosures/disclosure/attach.html", context, status=status)

    def attachment_view(self, request, object_id, reference):
        entry = self._get_entry(request, object_id, "view_disclosure")
        attachment = get_object_or_404(entry.attachments, reference=reference)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as missing:
            raise Http404 from missing
        response = FileResponse(
            handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
        )
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def amend_view(self, request, object_id):
        entry = self._get_entry(request, object_id, "add_disclosure")
        initial = {name: getattr(entry, name) for name in AmendForm.FIELDS}
        form = AmendForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            correction = data.pop("correction")
            try:
                if becomes_compelled(entry, data):
                    raise ValidationError(
                        _("An entry that was not a compelled disclosure cannot be amended into one (P-21).")
                    )
                amendment = services.disclosure_amend(original=entry, actor=request.user, correction=correction, **data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                self.message_user(
                    request,
                    _("Entry #%(new)d appended; it amends #%(old)d, which stays as it was.")
                    % {"new": amendment.sequence, "old": entry.sequence},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:disclosures_disclosure_change", args=[amendment.pk]))
        context = self._context(request, title=_("Amend entry #%(n)d") % {"n": entry.sequence}, entry=entry, form=form)
        return TemplateResponse(request, "admin/disclosures/disclosure/amend.html", context)

    def chart_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = self._context(request, title=_("Disclosures per month per recipient category"), **monthly_chart())
        return TemplateResponse(request, "admin/disclosures/disclosure/chart.html", context)

    # A register kept elsewhere (the command ``import_disclosures`` does the same from a shell)
    SHOWN_PROBLEMS = 200

    def import_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        """Append the entries of a CSV file in file order: all of them, or none and every problem."""
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if not request.user.has_perm("disclosures.add_disclosure"):
            raise PermissionDenied
        form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                entries = services.disclosure_import(
                    data=form.cleaned_data["file"], actor=request.user, refuse=refuse_compelled
                )
            except ValidationError as error:
                problems = error.messages
            else:
                first, last = entries[0].sequence, entries[-1].sequence
                self.message_user(
                    request,
                    ngettext(
                        "Imported %(count)d entry as #%(first)d to #%(last)d.",
                        "Imported %(count)d entries as #%(first)d to #%(last)d.",
                        len(entries),
                    )
                    % {"count": len(entries), "first": first, "last": last},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:disclosures_disclosure_changelist"))
        context = self._context(
            request,
            title=_("Import entries from CSV"),
            form=form,
            problems=problems[: self.SHOWN_PROBLEMS],
            more_problems=max(0, len(problems) - self.SHOWN_PROBLEMS),
            required_columns=REQUIRED_COLUMNS,
            optional_columns=OPTIONAL_COLUMNS,
            example=ImportForm.EXAMPLE,
        )
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(request, "admin/disclosures/disclosure/import.html", context, status=status)

    # Export
    @admin.action(description=gettext_lazy("Export selected as CSV (for regulators)"), permissions=["view"])
    @fresh_second_factor_required
    def export_csv(self, request, queryset):
        """The chosen entries in sequence order, with their subjects' pseudonymous references."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="disclosure-register-{organisation_today()}.csv"'
        writer = SpreadsheetWriter(response)
        writer.writerow(REGISTER_EXPORT_COLUMNS)
        writer.writerows(register_export_rows(queryset))
        return response


@admin.register(ChainAnchor)
class ChainAnchorAdmin(ReadOnlyAdmin):
    """The register's daily head hashes, for auditors."""

    list_display = ("created_at", "sequence", "entry_hash")
    date_hierarchy = "created_at"


@admin.register(Disclosure.history.model)
class DisclosureHistoryAdmin(HistoryRecordAdmin):
    # HistoryRecordAdmin (apps.core) leaves its list_display to inference, as a fixed-length tuple.
    list_display = ("history_date", "history_type", "history_user", "history_change_reason", "sequence", "visibility")
