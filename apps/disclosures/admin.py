"""Admin for the disclosure register (P-20..P-23), recipients and compelled requests (P-21).

The register is append-only: every write goes through ``services`` / ``compelled``; the admin
only parses input. Nothing here deletes, and the change pages are read-only apart from the
visibility form, the amendment form and the compelled-request decision pages.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, TruncMonth
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from apps.accounts.models import User
from apps.core.admin import AppendOnlyAdminMixin, CountryInUseFilter, HistoryRecordAdmin, ReadOnlyAdmin
from apps.disclosures import chain, compelled, services
from apps.disclosures.models import (
    ChainAnchor,
    ChainHead,
    CompelledRequest,
    Disclosure,
    DisclosureAttachment,
    DisclosureSubject,
    Recipient,
)
from apps.personal_data.registry import Category

# --- Shared form pieces --------------------------------------------------------------------


class SubjectEmailsField(forms.CharField):
    """People chosen by email address, one per line; an unknown address is a form error."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60})

    def clean(self, value):
        value = super().clean(value)
        emails = list(dict.fromkeys(line.strip().lower() for line in value.splitlines() if line.strip()))
        if not emails:
            raise ValidationError(_("Enter at least one email address."))
        found = {user.email.lower(): user for user in User.objects.filter(email__in=emails)}
        unknown = [email for email in emails if email not in found]
        if unknown:
            raise ValidationError(_("No account has these addresses: %(emails)s") % {"emails": ", ".join(unknown)})
        return [found[email] for email in emails]


def data_categories_field(label) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=Category.choices, widget=forms.CheckboxSelectMultiple, required=True
    )


def split_datetime_field(label) -> forms.SplitDateTimeField:
    return forms.SplitDateTimeField(
        label=label,
        widget=forms.SplitDateTimeWidget(
            date_attrs={"type": "date"},
            time_attrs={"type": "time", "step": "1"},
            date_format="%Y-%m-%d",
            time_format="%H:%M:%S",
        ),
    )


def is_object_id(value) -> bool:
    """A primary key as the URL may carry it: ASCII digits only ("²".isdigit() is True too)."""
    value = str(value)
    return value.isascii() and value.isdigit()


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class RecipientCountryInUseFilter(CountryInUseFilter):
    """The countries of recipients we actually have."""

    def source(self, request, model_admin):
        return Recipient.objects.all()


class RecipientCountryFilter(RecipientCountryInUseFilter):
    title = gettext_lazy("recipient country")
    parameter_name = "recipient_country"
    field = "recipient__country"


class InternationalFilter(admin.SimpleListFilter):
    """Transfers outside the controller's country (P-23)."""

    title = gettext_lazy("international transfer")
    parameter_name = "international"
    field = "country"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")), ("no", _("No")))

    def queryset(self, request, queryset):
        home = Q(**{self.field: settings.CONTROLLER_COUNTRY})
        if self.value() == "yes":
            return queryset.exclude(home)
        if self.value() == "no":
            return queryset.filter(home)
        return queryset


class DisclosureInternationalFilter(InternationalFilter):
    field = "recipient__country"


class LapsedAgreementFilter(admin.SimpleListFilter):
    title = gettext_lazy("agreement lapsed")
    parameter_name = "lapsed"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")), ("no", _("No")))

    def queryset(self, request, queryset):
        lapsed = Q(agreement_ends__lt=timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(lapsed)
        if self.value() == "no":
            return queryset.exclude(lapsed)
        return queryset


# --- Recipients ----------------------------------------------------------------------------


@admin.register(Recipient)
class RecipientAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "category",
        "country",
        "international",
        "transfer_safeguard",
        "agreement",
        "agreement_ends",
        "agreement_status",
        "is_active",
    )
    list_filter = (
        "category",
        CountryInUseFilter,
        InternationalFilter,
        "transfer_safeguard",
        "is_active",
        LapsedAgreementFilter,
    )
    search_fields = ("name", "agreement_reference", "contact_name", "contact_email")
    readonly_fields = ("reference", "created_at", "updated_at")
    list_per_page = 50

    @admin.display(description=gettext_lazy("international"), boolean=True)
    def international(self, obj: Recipient) -> bool:
        return obj.is_international

    @admin.display(description=gettext_lazy("agreement status"))
    def agreement_status(self, obj: Recipient) -> str:
        if obj.agreement_lapsed:
            return format_html(
                '<strong class="agreement-lapsed" style="color:#ba2121">⚠ {}</strong>', _("Agreement lapsed")
            )
        return "—"

    def has_delete_permission(self, request, obj=None) -> bool:
        # Recipients are referenced by the register; retire one by making it inactive.
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        recipient = self.get_object(request, object_id)
        if recipient is not None and recipient.agreement_lapsed and request.method == "GET":
            messages.warning(
                request,
                _("The agreement with %(name)s ended on %(date)s: renew it before disclosing more data (P-20).")
                % {"name": recipient.name, "date": recipient.agreement_ends},
            )
        return super().change_view(request, object_id, form_url, extra_context)


# --- The register --------------------------------------------------------------------------


class DisclosureAddForm(forms.ModelForm):
    subject_emails = SubjectEmailsField(
        label=gettext_lazy("Subjects"), help_text=gettext_lazy("Their account email addresses, one per line.")
    )
    data_categories = data_categories_field(gettext_lazy("Data categories disclosed"))

    class Meta:
        model = Disclosure
        fields = (
            "recipient",
            "subject_emails",
            "data_categories",
            "description",
            "disclosed_at",
            "reason",
            "legal_basis",
            "external_reference",
            "requested_by",
            "approved_by",
            "visibility",
            "withheld_reason",
            "withheld_review_date",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = Recipient.objects.filter(is_active=True)
        self.fields["approved_by"].queryset = User.objects.filter(is_staff=True)

    # Compelled disclosures go through CompelledRequest, where a second officer decides (P-21):
    # recording one here would let a single officer write it to the register alone.
    COMPELLED_BASES = frozenset(
        {Disclosure.LegalBasis.COURT_ORDER, Disclosure.LegalBasis.LAW_ENFORCEMENT, Disclosure.LegalBasis.REGULATOR}
    )
    COMPELLING_RECIPIENTS = frozenset({Recipient.Category.COURT, Recipient.Category.LAW_ENFORCEMENT})

    acting_user: User | None = None  # set by the admin for each request

    def clean(self):
        cleaned = super().clean()
        recipient, subjects = cleaned.get("recipient"), cleaned.get("subject_emails")
        approver = cleaned.get("approved_by")
        if approver is not None and approver == self.acting_user:
            self.add_error("approved_by", _("Name the other officer who approved it; nobody approves their own entry."))
        if cleaned.get("legal_basis") in self.COMPELLED_BASES or (
            recipient and recipient.category in self.COMPELLING_RECIPIENTS
        ):
            raise ValidationError(
                _("Record a compelled disclosure as a compelled request: a second officer must approve it (P-21).")
            )
        if (
            recipient
            and subjects
            and cleaned.get("legal_basis") == Disclosure.LegalBasis.CONSENT
            and recipient.category == Recipient.Category.MARKETING_PARTNER
        ):
            missing = [s for s in subjects if not services.partner_consent_given(subject=s, recipient=recipient)]
            if missing:
                self.add_error(
                    "legal_basis",
                    _("%(count)d of the subjects have not consented to sharing with this partner (P-20).")
                    % {"count": len(missing)},
                )
        return cleaned


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Document"), help_text=gettext_lazy("PDF, PNG, JPEG or plain text, up to 20 MB.")
    )


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(label=gettext_lazy("Subject visibility"), choices=Disclosure.Visibility.choices)
    withheld_reason = forms.CharField(
        label=gettext_lazy("Why it is withheld"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    withheld_review_date = forms.DateField(
        label=gettext_lazy("Review withholding on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("visibility") == Disclosure.Visibility.WITHHELD
            and not cleaned.get("withheld_reason", "").strip()
        ):
            self.add_error("withheld_reason", _("Give the legal reason the entry is withheld (P-22)."))
        return cleaned


class AmendForm(forms.Form):
    correction = forms.CharField(
        label=gettext_lazy("What the amendment corrects"), widget=forms.Textarea(attrs={"rows": 3})
    )
    recipient = forms.ModelChoiceField(
        label=gettext_lazy("Recipient"), queryset=Recipient.objects.filter(is_active=True)
    )
    data_categories = data_categories_field(gettext_lazy("Data categories disclosed"))
    description = forms.CharField(label=gettext_lazy("What was disclosed"), widget=forms.Textarea(attrs={"rows": 3}))
    disclosed_at = split_datetime_field(gettext_lazy("Disclosed at"))
    legal_basis = forms.ChoiceField(label=gettext_lazy("Legal basis"), choices=Disclosure.LegalBasis.choices)
    external_reference = forms.CharField(label=gettext_lazy("Order or warrant number"), required=False)
    requested_by = forms.CharField(label=gettext_lazy("Requested by"), required=False)

    FIELDS = (
        "recipient",
        "data_categories",
        "description",
        "disclosed_at",
        "legal_basis",
        "external_reference",
        "requested_by",
    )


def _export_columns() -> list[str]:
    return [
        "sequence",
        "reference",
        "disclosed_at",
        "recorded_at",
        "recipient",
        "recipient_category",
        "recipient_country",
        "international_transfer",
        "transfer_safeguard",
        "agreement",
        "agreement_reference",
        "data_categories",
        "description",
        "reason",
        "legal_basis",
        "external_reference",
        "requested_by",
        "approved_by",
        "recorded_by",
        "amends",
        "visibility",
        "withheld_reason",
        "subject_count",
        "subject_references",
        "previous_hash",
        "entry_hash",
    ]


def _is_compelled(legal_basis: str, recipient: Recipient) -> bool:
    return (
        legal_basis in DisclosureAddForm.COMPELLED_BASES
        or recipient.category in DisclosureAddForm.COMPELLING_RECIPIENTS
    )


def _becomes_compelled(original: Disclosure, changes: dict) -> bool:
    """Would the amendment be a compelled disclosure the original was not (four eyes skipped)?"""
    return not _is_compelled(original.legal_basis, original.recipient) and _is_compelled(
        changes["legal_basis"], changes["recipient"]
    )


class _Echo:
    def write(self, value):
        return value


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
    def subject_count(self, obj: Disclosure) -> int:
        return obj.subjects_count

    @admin.display(description=gettext_lazy("amends"), ordering="amends__sequence")
    def amends_sequence(self, obj: Disclosure) -> str:
        return f"#{obj.amends.sequence}" if obj.amends_id else "—"

    @admin.display(description=gettext_lazy("data categories"))
    def categories(self, obj: Disclosure) -> str:
        labels = dict(Category.choices)
        return ", ".join(str(labels.get(value, value)) for value in obj.data_categories)

    @admin.display(description=gettext_lazy("amends"))
    def amends_link(self, obj: Disclosure) -> str:
        if not obj.amends_id:
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
        checked, broken = chain.verify_chain()
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
                if _becomes_compelled(entry, data):
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

    # Export
    @admin.action(description=gettext_lazy("Export selected as CSV (for regulators)"), permissions=["view"])
    def export_csv(self, request, queryset):
        entries = (
            queryset.select_related("recipient", "amends", "approved_by", "recorded_by")
            .prefetch_related(Prefetch("subjects", queryset=DisclosureSubject.objects.order_by("subject_reference")))
            .order_by("sequence")
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="disclosure-register-{timezone.localdate()}.csv"'
        writer = csv.writer(response)
        writer.writerow(_export_columns())
        for entry in entries:
            recipient = entry.recipient
            references = [link.subject_reference for link in entry.subjects.all()]
            writer.writerow(
                [
                    entry.sequence,
                    entry.reference,
                    entry.disclosed_at.isoformat(),
                    entry.created_at.isoformat(),
                    recipient.name,
                    recipient.category,
                    str(recipient.country),
                    "yes" if recipient.is_international else "no",
                    recipient.transfer_safeguard,
                    recipient.agreement,
                    recipient.agreement_reference,
                    ";".join(entry.data_categories),
                    entry.description,
                    entry.reason,
                    entry.legal_basis,
                    entry.external_reference,
                    entry.requested_by,
                    entry.approved_by.email if entry.approved_by else "",
                    entry.recorded_by.email,
                    entry.amends.sequence if entry.amends_id else "",
                    entry.visibility,
                    entry.withheld_reason,
                    len(references),
                    ";".join(references),
                    entry.previous_hash,
                    entry.entry_hash,
                ]
            )
        return response


# --- The monthly chart (server-side SVG, no JavaScript) --------------------------------------

CHART_COLOURS = (
    "#1b6ca8",
    "#e07b00",
    "#2e8540",
    "#b3261e",
    "#6f42c1",
    "#8a5a00",
    "#c2185b",
    "#4d4d4d",
    "#00838f",
    "#827717",
    "#5d4037",
)


def _last_months(today: date, count: int = 12) -> list[date]:
    months, year, month = [], today.year, today.month
    for _i in range(count):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def monthly_chart(*, today: date | None = None) -> dict:
    """Counts per month and recipient category for the last 12 months, laid out as stacked bars."""
    months = _last_months(today or timezone.localdate())
    start = datetime(months[0].year, months[0].month, 1, tzinfo=timezone.get_current_timezone())
    rows = (
        Disclosure.objects.filter(disclosed_at__gte=start)
        .annotate(month=TruncMonth("disclosed_at"))
        .values("month", category=F("recipient__category"))
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[date, str], int] = {}
    for row in rows:
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        counts[(month, row["category"])] = counts.get((month, row["category"]), 0) + row["n"]
    labels = dict(Recipient.Category.choices)
    categories = [value for value in Recipient.Category.values if any(c == value for _m, c in counts)]
    legend = [
        {"value": value, "label": labels[value], "colour": CHART_COLOURS[i % len(CHART_COLOURS)]}
        for i, value in enumerate(categories)
    ]
    totals = [sum(counts.get((month, c), 0) for c in categories) for month in months]
    peak = max(totals, default=0) or 1
    height, bar_width, gap, left, top = 200, 36, 12, 40, 10
    bars = []
    for index, month in enumerate(months):
        x = left + index * (bar_width + gap)
        y = top + height
        segments = []
        for item in legend:
            n = counts.get((month, item["value"]), 0)
            if n:
                h = n * height / peak
                y -= h
                segments.append({"y": round(y, 1), "height": round(h, 1), "count": n, **item})
        bars.append(
            {"month": month, "x": x, "label_x": x + bar_width / 2, "segments": segments, "total": totals[index]}
        )
    table = [
        {"month": month, "cells": [counts.get((month, item["value"]), 0) for item in legend], "total": totals[index]}
        for index, month in enumerate(months)
    ]
    return {
        "bars": bars,
        "legend": legend,
        "table": table,
        "peak": peak,
        "chart": {
            "width": left + len(months) * (bar_width + gap),
            "height": top + height + 30,
            "bar_width": bar_width,
            "baseline": top + height,
            "top": top,
            "left": left,
            "axis_label_y": top + height + 18,
        },
        "total": sum(totals),
    }


# --- Compelled requests (P-21) ---------------------------------------------------------------


class CompelledIntakeForm(forms.ModelForm):
    subject_emails = SubjectEmailsField(
        label=gettext_lazy("Subjects"), help_text=gettext_lazy("Their account email addresses, one per line.")
    )
    data_categories = data_categories_field(gettext_lazy("Data categories asked for"))

    class Meta:
        model = CompelledRequest
        fields = (
            "recipient",
            "requested_by",
            "authority",
            "external_reference",
            "deadline",
            "subject_emails",
            "data_categories",
            "data_requested",
            "withhold_from_subjects",
            "withheld_reason",
        )
        widgets = {"deadline": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = Recipient.objects.filter(
            is_active=True, category__in=list(compelled.LEGAL_BASIS_FOR_CATEGORY)
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("withhold_from_subjects") and not cleaned.get("withheld_reason", "").strip():
            self.add_error(
                "withheld_reason", _("Say why the subjects may not be told (for example, the order's clause).")
            )
        return cleaned


class ApproveForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What is handed over"),
        help_text=gettext_lazy("Describe the data; never paste the data."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    disclosed_at = split_datetime_field(gettext_lazy("Disclosed at"))


class RefuseForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for refusing"), widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(CompelledRequest)
class CompelledRequestAdmin(AppendOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "external_reference",
        "recipient",
        "requested_by",
        "status",
        "deadline_display",
        "received_by",
        "decided_by",
        "created_at",
    )
    list_filter = ("status", "recipient__category")
    search_fields = ("external_reference", "requested_by", "recipient__name")
    list_select_related = ("recipient", "received_by", "decided_by")
    ordering = (F("deadline").asc(nulls_last=True), "-created_at")
    add_form = CompelledIntakeForm
    readonly_fields = (
        "reference",
        "status",
        "recipient",
        "requested_by",
        "authority",
        "external_reference",
        "deadline",
        "subject_list",
        "categories",
        "data_requested",
        "withhold_from_subjects",
        "withheld_reason",
        "received_by",
        "decided_by",
        "decided_at",
        "refusal_reason",
        "disclosure_link",
        "created_at",
    )

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        saved = compelled.compelled_request_receive(
            actor=request.user,
            recipient=data["recipient"],
            requested_by=data["requested_by"],
            authority=data["authority"],
            external_reference=data["external_reference"],
            deadline=data.get("deadline"),
            subjects=data["subject_emails"],
            data_categories=data["data_categories"],
            data_requested=data["data_requested"],
            withhold_from_subjects=data.get("withhold_from_subjects", False),
            withheld_reason=data.get("withheld_reason", ""),
        )
        obj.__dict__.update(saved.__dict__)

    def save_related(self, request, form, formsets, change) -> None:
        pass  # the service set the subjects

    @admin.display(description=gettext_lazy("deadline"), ordering="deadline")
    def deadline_display(self, obj: CompelledRequest) -> str:
        if obj.deadline is None:
            return "—"
        if obj.status == CompelledRequest.Status.AWAITING_APPROVAL and obj.deadline < timezone.localdate():
            return format_html(
                '<strong class="overdue" style="color:#ba2121">⚠ {} ({})</strong>', obj.deadline, _("overdue")
            )
        if obj.status == CompelledRequest.Status.AWAITING_APPROVAL and obj.deadline <= timezone.localdate() + timedelta(
            days=2
        ):
            return format_html('<strong class="due-soon">{}</strong>', obj.deadline)
        return str(obj.deadline)

    @admin.display(description=gettext_lazy("subjects"))
    def subject_list(self, obj: CompelledRequest) -> str:
        return "\n".join(obj.subjects.values_list("email", flat=True))

    @admin.display(description=gettext_lazy("data categories"))
    def categories(self, obj: CompelledRequest) -> str:
        labels = dict(Category.choices)
        return ", ".join(str(labels.get(value, value)) for value in obj.data_categories)

    @admin.display(description=gettext_lazy("register entry"))
    def disclosure_link(self, obj: CompelledRequest) -> str:
        if not obj.disclosure_id:
            return "—"
        url = reverse("admin:disclosures_disclosure_change", args=[obj.disclosure_id])
        return format_html('<a href="{}">#{}</a>', url, obj.disclosure.sequence)

    def can_decide(self, request, obj: CompelledRequest) -> bool:
        return (
            request.user.has_perm("disclosures.change_compelledrequest")
            and obj.status == CompelledRequest.Status.AWAITING_APPROVAL
            and obj.received_by_id != request.user.pk
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/approve/", wrap(self.approve_view), name="disclosures_compelledrequest_approve"),
            path("<path:object_id>/refuse/", wrap(self.refuse_view), name="disclosures_compelledrequest_refuse"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), "can_decide": obj is not None and self.can_decide(request, obj)}
        if (
            obj is not None
            and obj.status == CompelledRequest.Status.AWAITING_APPROVAL
            and obj.received_by_id == request.user.pk
        ):
            extra_context["decision_note"] = _("You recorded this request: a second officer must approve or refuse it.")
        return super().change_view(request, object_id, form_url, extra_context)

    def _decision_view(self, request, object_id, form_class, decide, template: str, title: str):
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if not request.user.has_perm("disclosures.change_compelledrequest"):
            raise PermissionDenied
        if not is_object_id(object_id):
            raise Http404
        obj = get_object_or_404(CompelledRequest.objects.select_related("recipient", "received_by"), pk=object_id)
        change_url = reverse("admin:disclosures_compelledrequest_change", args=[obj.pk])
        initial = {"description": obj.data_requested, "disclosed_at": timezone.now().replace(microsecond=0)}
        form = form_class(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                decide(obj, form.cleaned_data)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    apply_service_errors(form, error)
                else:
                    # Four eyes or already decided: nothing to correct on this form.
                    for message in error.messages:
                        self.message_user(request, message, messages.ERROR)
                    return HttpResponseRedirect(change_url)
            else:
                self.message_user(request, _("Decision recorded."), messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        elif not self.can_decide(request, obj):
            self.message_user(request, _("You cannot decide this request."), messages.ERROR)
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "obj": obj,
            "form": form,
        }
        return TemplateResponse(request, template, context)

    def approve_view(self, request, object_id):
        def decide(obj, data):
            compelled.compelled_request_approve(
                request=obj, actor=request.user, description=data["description"], disclosed_at=data["disclosed_at"]
            )

        return self._decision_view(
            request,
            object_id,
            ApproveForm,
            decide,
            "admin/disclosures/compelledrequest/approve.html",
            _("Approve compelled disclosure"),
        )

    def refuse_view(self, request, object_id):
        def decide(obj, data):
            compelled.compelled_request_refuse(request=obj, actor=request.user, reason=data["reason"])

        return self._decision_view(
            request,
            object_id,
            RefuseForm,
            decide,
            "admin/disclosures/compelledrequest/refuse.html",
            _("Refuse compelled disclosure"),
        )


# --- Ledger reads for auditors -------------------------------------------------------------


@admin.register(ChainAnchor)
class ChainAnchorAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "sequence", "entry_hash")
    date_hierarchy = "created_at"


@admin.register(Recipient.history.model)
class RecipientHistoryAdmin(HistoryRecordAdmin):
    list_display = ("history_date", "history_type", "history_user", "history_change_reason", "name", "agreement_ends")
    search_fields = ("name", "history_change_reason")


@admin.register(Disclosure.history.model)
class DisclosureHistoryAdmin(HistoryRecordAdmin):
    list_display = ("history_date", "history_type", "history_user", "history_change_reason", "sequence", "visibility")


@admin.register(CompelledRequest.history.model)
class CompelledRequestHistoryAdmin(HistoryRecordAdmin):
    list_display = (
        "history_date",
        "history_type",
        "history_user",
        "history_change_reason",
        "external_reference",
        "status",
    )


# Staff content access (P-24, P-25) keeps its admin classes in their own module.
from apps.disclosures import admin_access  # noqa: E402, F401
