"""Officers' admin for purposes, the consent ledger (read-only), per-subject evidence and receipts,
suppressions and restrictions."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from contextlib import suppress
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.consent.forms import OnBehalfForm, SuppressionAddForm
from apps.consent.models import ConsentEvent, ProcessingRestriction, Purpose, Suppression
from apps.consent.selectors.ledger import consent_rates, consent_receipt, events_for, states_for
from apps.consent.services.ledger import Context, consent_record, suppression_add
from apps.core.admin import (
    FieldViewRuleMixin,
    ReadOnlyAdmin,
    SubjectPanel,
    SubjectTool,
    TrackedModelAdmin,
    register_subject_panel,
    register_subject_tool,
    sees_people,
)
from apps.core.admin.reauthentication import fresh_second_factor_required
from apps.core.admin.visibility import hidden_fields
from apps.core.clock import organisation_today
from apps.core.spreadsheets import SpreadsheetWriter

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _OnCount(TypedDict):
    """What ``PurposeAdmin.get_queryset`` adds to each purpose."""

    on_count: int


COUNSEL_NOTE = gettext_lazy("Seeded from the privacy policies; check the wording and legal basis with counsel.")


@admin.register(Purpose)
class PurposeAdmin(TrackedModelAdmin):
    list_display = ("code", "name_en", "kind", "legal_basis", "channel", "partner", "is_marketing", "is_active", "on")
    list_filter = ("kind", "legal_basis", "channel", "is_marketing", "is_active")
    search_fields = ("code", "name_en", "name_vi", "description_en")
    list_select_related = ("partner",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "kind", "legal_basis", "channel", "is_marketing", "partner", "is_active")}),
        (
            gettext_lazy("What the customer reads"),
            {"fields": ("name_en", "description_en", "name_vi", "description_vi")},
        ),
        (gettext_lazy("Cookies in this category"), {"fields": ("cookies",), "classes": ("collapse",)}),
        (None, {"fields": ("display_order", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(on_count=Count("states", filter=Q(states__granted=True)))

    @admin.display(description=gettext_lazy("switched on"), ordering="on_count")
    def on(self, obj: WithAnnotations[Purpose, _OnCount]) -> int:
        return obj.on_count

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # A view-only page (the Auditor's) has no form fields, all of them being read-only.
        if "legal_basis" in form.base_fields:
            form.base_fields["legal_basis"].help_text = COUNSEL_NOTE
        if "partner" in form.base_fields:
            form.base_fields["partner"].queryset = form.base_fields["partner"].queryset.filter(
                category="marketing_partner"
            )
        return form

    def has_delete_permission(self, request, obj=None) -> bool:
        # The ledger points at purposes; retire one by unticking "active".
        return False

    def get_urls(self):
        return [
            path("rates/", self.admin_site.admin_view(self.rates_view), name="consent_purpose_rates"),
            *super().get_urls(),
        ]

    def rates_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Consent rate per purpose, last 12 months"),
            "opts": self.model._meta,
            **consent_rates(),
        }
        return TemplateResponse(request, "admin/consent/purpose/rates.html", context)


CSV_COLUMNS = (
    "reference",
    "recorded_at",
    "subject_reference",
    "visitor_id",
    "purpose",
    "granted",
    "method",
    "policy_version",
    "language",
    "text_sha256",
    "source_page",
    "ip_address",
    "user_agent",
    "actor",
)


def _actor_label(event: ConsentEvent, *, hides_staff: bool = False) -> str:
    # The customer acting for themself is "subject", so the file names no customer; a reader who
    # may not see who acted reads "staff" for a staff member (and the system's own label).
    if event.actor_id and event.actor_id == event.subject_id:
        return "subject"
    if event.actor is not None:
        return "staff" if hides_staff else event.actor.email
    return event.actor_label


class _Echo:
    def write(self, value: str) -> str:
        return value


class EventLanguageFilter(admin.SimpleListFilter):
    """The language the subject read the text in, from the portal's languages. Django's filter
    over the column's values would read the whole ledger (SELECT DISTINCT) on every view."""

    title = gettext_lazy("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return [(code, name) for code, name in settings.LANGUAGES]

    def queryset(self, request, queryset):
        return queryset.filter(language=self.value()) if self.value() else queryset


@admin.register(ConsentEvent)
class ConsentEventAdmin(FieldViewRuleMixin, ReadOnlyAdmin):
    """The consent ledger. Auditors read it under the view rule: subjects by their pseudonymous
    reference only (the evidence an audit follows), never by account or address."""

    person_fields = ("actor",)
    list_display = ("recorded_at", "purpose", "granted", "method", "subject_link", "policy_version", "language")
    list_filter = ("purpose", "granted", "method", EventLanguageFilter, "policy_version")
    date_hierarchy = "recorded_at"
    search_fields = ("=subject__email", "=subject_reference", "=visitor_id", "=reference")
    list_select_related = ("purpose", "subject", "policy_version")
    show_full_result_count = False
    actions = ["export_csv"]

    def get_search_results(self, request, queryset, search_term):
        """Whole values, each in one of the ledger's own indexes: the account is looked up by its
        address first (an OR across the join to accounts read the whole ledger)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = Q(subject_reference=term) | Q(visitor_id=term)
        subjects = list(User.objects.filter(email=term.lower()).values_list("pk", flat=True)[:1])
        if subjects:
            condition |= Q(subject_id__in=subjects)
        with suppress(ValueError):
            condition |= Q(reference=uuid.UUID(term))
        return queryset.filter(condition), False

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if sees_people(request.user):
            return shown
        return ["subject_pseudonym" if name == "subject_link" else name for name in shown]

    @admin.display(description=gettext_lazy("subject"))
    def subject_pseudonym(self, obj: ConsentEvent) -> str:
        if obj.subject_reference:
            return obj.subject_reference[:12] + "…"
        return _("visitor %(id)s") % {"id": obj.visitor_id[:8]} if obj.visitor_id else "—"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("evidence/<uuid:reference>/", view(self.evidence_view), name="consent_evidence"),
            path("evidence/<uuid:reference>/receipt.json", view(self.receipt_view), name="consent_receipt"),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("subject"), ordering="subject__email")
    def subject_link(self, obj: ConsentEvent) -> str:
        subject = obj.subject
        if subject is None:
            return (
                obj.subject_reference[:12] + "…"
                if obj.subject_reference
                else _("visitor %(id)s") % {"id": obj.visitor_id[:8]}
            )
        url = reverse("admin:consent_evidence", args=[subject.reference])
        return format_html('<a href="{}">{}</a>', url, subject.email)

    @admin.action(description=gettext_lazy("Export the chosen records as CSV"))
    @fresh_second_factor_required
    def export_csv(self, request, queryset):
        return self.csv_response(queryset, hidden=hidden_fields(request.user, ConsentEvent))

    @staticmethod
    def csv_response(queryset, *, hidden: Collection[str] = frozenset()) -> StreamingHttpResponse:
        """The chosen records as CSV; a column the downloader may not see on the page (the
        address, browser and staff member behind an event, for an auditor) stays in the header,
        so every file has the same shape, but is left empty."""
        rows = queryset.select_related("purpose", "policy_version", "actor").order_by("recorded_at", "id")
        writer = SpreadsheetWriter(_Echo())
        blank = [index for index, name in enumerate(CSV_COLUMNS) if name in hidden]
        hides_actor = "actor" in hidden

        def lines():
            yield writer.writerow(CSV_COLUMNS)
            for event in rows.iterator(chunk_size=2000):
                values = [
                    event.reference,
                    event.recorded_at.isoformat(),
                    event.subject_reference,
                    event.visitor_id,
                    event.purpose.code,
                    "granted" if event.granted else "withdrawn",
                    event.method,
                    event.policy_version.version if event.policy_version_id else "",
                    event.language,
                    event.text_hash,
                    event.source_page,
                    event.ip_address or "",
                    event.user_agent,
                    _actor_label(event, hides_staff=hides_actor),
                ]
                for index in blank:
                    values[index] = ""
                yield writer.writerow(values)

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="consent-records-{organisation_today()}.csv"'
        return response

    def _subject(self, request, reference) -> User:
        if not self.has_view_permission(request) or not request.user.has_perm("accounts.view_user"):
            raise PermissionDenied
        return get_object_or_404(User, reference=reference)

    def evidence_view(self, request, reference):
        subject = self._subject(request, reference)
        form = OnBehalfForm(request.POST or None)
        confirming = None
        if request.method == "POST":
            if not request.user.has_perm("consent.add_consentevent"):
                raise PermissionDenied
            if form.is_valid() and request.POST.get("confirm") != "yes":
                # A choice recorded for someone else is said back in words before it is written.
                confirming = form.cleaned_data
            elif form.is_valid():
                note = form.cleaned_data["how"].strip()
                context = Context(
                    method=ConsentEvent.Method.OFFICER, language=subject.preferred_language, source_page=note
                )
                try:
                    consent_record(
                        purpose=form.cleaned_data["purpose"],
                        granted=form.cleaned_data["granted"],
                        context=context,
                        actor=request.user,
                        subject=subject,
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, _("The choice was recorded on the customer's behalf."))
                    return redirect(request.path)
        if confirming is not None:
            context = {
                **self.admin_site.each_context(request),
                "title": _("Record this choice for %(email)s?") % {"email": subject.email},
                "opts": self.model._meta,
                "subject": subject,
                "choice": confirming,
                "form": form,
            }
            return TemplateResponse(request, "admin/consent/consentevent/record_confirm.html", context)
        states = states_for(subject=subject)
        purposes = Purpose.objects.filter(kind=Purpose.Kind.PROCESSING).order_by("display_order", "code")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Consent evidence: %(email)s") % {"email": subject.email},
            "opts": self.model._meta,
            "subject": subject,
            "current": [(purpose, states.get(purpose.pk)) for purpose in purposes],
            "events": events_for(subject=subject).order_by("-recorded_at", "-id")[:500],
            "form": form,
            "can_record": request.user.has_perm("consent.add_consentevent"),
        }
        return TemplateResponse(request, "admin/consent/consentevent/evidence.html", context)

    def receipt_view(self, request, reference):
        subject = self._subject(request, reference)
        body = json.dumps(consent_receipt(subject), indent=2, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="consent-receipt-{subject.reference}.json"'
        return response


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ("short_hash", "channel", "purpose_code", "reason", "created_at")
    list_filter = ("channel", "reason", "purpose_code")
    date_hierarchy = "created_at"
    search_fields = ("=address_hash",)
    form = SuppressionAddForm

    @admin.display(description=gettext_lazy("address hash"))
    def short_hash(self, obj: Suppression) -> str:
        return f"{obj.address_hash[:16]}…"

    def get_search_results(self, request, queryset, search_term):
        # Officers search by address; the hash is what is stored.
        from apps.personal_data.domain import address_hash

        if "@" in search_term:
            return queryset.filter(address_hash=address_hash(search_term)), False
        return super().get_search_results(request, queryset, search_term)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an address leaves the list only when its owner opts in again themself

    def save_model(self, request, obj, form, change) -> None:
        saved = suppression_add(
            email=form.cleaned_data["email"], channel=obj.channel, reason=Suppression.Reason.OFFICER
        )
        obj.pk, obj.address_hash, obj.created_at, obj.reason = (
            saved.pk,
            saved.address_hash,
            saved.created_at,
            saved.reason,
        )


@admin.register(ProcessingRestriction)
class ProcessingRestrictionAdmin(ReadOnlyAdmin):
    list_display = ("subject", "created_at", "placed_by", "lifted_at")
    list_filter = ("lifted_at",)
    search_fields = ("=subject__email",)
    list_select_related = ("subject", "placed_by")
    date_hierarchy = "created_at"


# --- On the subject's page (apps.core.admin, subject panels) ---------------------------------


def restrictions_in_force(subject: User) -> str:
    """Restrictions every processing selector honours (P-30), for the subject's page."""
    restrictions = list(
        ProcessingRestriction.objects.filter(subject=subject, lifted_at__isnull=True).prefetch_related("purposes")
    )
    if not restrictions:
        return str(_("None."))
    return format_html_join(
        "",
        '<li><a href="{}">{}</a>: {} ({})</li>',
        (
            (
                reverse("admin:consent_processingrestriction_change", args=[r.pk]),
                f"{r.created_at:%Y-%m-%d}",
                ", ".join(p.code for p in r.purposes.all()) or _("all processing"),
                r.reason,
            )
            for r in restrictions
        ),
    )


register_subject_panel(
    SubjectPanel(
        key="processing_restrictions",
        title=gettext_lazy("Processing restrictions"),
        permission="consent.view_processingrestriction",
        render=restrictions_in_force,
        order=20,
    )
)
register_subject_tool(
    SubjectTool(
        key="consent_evidence",
        label=gettext_lazy("Consent evidence"),
        permission="consent.view_consentevent",
        url=lambda subject: reverse("admin:consent_evidence", kwargs={"reference": subject.reference}),
        order=10,
    )
)
