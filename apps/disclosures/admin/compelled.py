"""Admin for compelled requests (P-21): intake by one officer, the decision by a second, and their history.

``compelled`` below is the service module ``apps.disclosures.services.compelled``; every write goes
through it. The forms are ``apps.disclosures.forms.compelled``.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.admin import AppendOnlyAdminMixin, HistoryRecordAdmin, is_object_id, sees_people
from apps.core.clock import organisation_today
from apps.disclosures.forms import apply_service_errors
from apps.disclosures.forms.compelled import ApproveForm, CompelledIntakeForm, RefuseForm
from apps.disclosures.models import CompelledRequest
from apps.disclosures.services import compelled
from apps.personal_data.registry import Category


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
        if obj.status == CompelledRequest.Status.AWAITING_APPROVAL and obj.deadline < organisation_today():
            return format_html(
                '<strong class="overdue" style="color:#ba2121">⚠ {} ({})</strong>', obj.deadline, _("overdue")
            )
        if obj.status == CompelledRequest.Status.AWAITING_APPROVAL and obj.deadline <= organisation_today() + timedelta(
            days=2
        ):
            return format_html('<strong class="due-soon">{}</strong>', obj.deadline)
        return str(obj.deadline)

    @admin.display(description=gettext_lazy("subjects"))
    def subject_list(self, obj: CompelledRequest) -> str:
        return "\n".join(obj.subjects.values_list("email", flat=True))

    @admin.display(description=gettext_lazy("subjects (account references)"))
    def subject_references(self, obj: CompelledRequest) -> str:
        return "\n".join(str(reference) for reference in obj.subjects.values_list("reference", flat=True))

    def _people_shown(self, request, names) -> list[str]:
        # Auditors follow a demand's subjects by opaque reference, never by address.
        if sees_people(request.user):
            return list(names)
        return ["subject_references" if name == "subject_list" else name for name in names]

    def get_fields(self, request, obj=None):
        return self._people_shown(request, super().get_fields(request, obj))

    def get_readonly_fields(self, request, obj=None):
        return self._people_shown(request, super().get_readonly_fields(request, obj))

    @admin.display(description=gettext_lazy("data categories"))
    def categories(self, obj: CompelledRequest) -> str:
        labels = dict(Category.choices)
        return ", ".join(str(labels.get(value, value)) for value in obj.data_categories)

    @admin.display(description=gettext_lazy("register entry"))
    def disclosure_link(self, obj: CompelledRequest) -> str:
        if obj.disclosure is None:
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


@admin.register(CompelledRequest.history.model)
class CompelledRequestHistoryAdmin(HistoryRecordAdmin):
    """The change history of compelled requests, for auditors."""

    # HistoryRecordAdmin (apps.core) leaves its list_display to inference, as a fixed-length tuple.
    list_display = (
        "history_date",
        "history_type",
        "history_user",
        "history_change_reason",
        "external_reference",
        "status",
    )
