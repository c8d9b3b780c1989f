"""Legal holds (P-42): officers place them, change them while active, and release them.

A hold keeps the subject's data it covers (every category when none is chosen) out of
erasures and purges. Nothing here deletes a hold, and a released hold is read-only: the
release (after a confirmation page with a note) is what lets the held-back deletions go on
the next purge run. Writes go through ``apps.retention.services.holds``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.admin import (
    HistoryRecordAdmin,
    ObjectIdAdminMixin,
    SubjectPanel,
    SubjectTool,
    is_object_id,
    register_subject_panel,
    register_subject_tool,
)
from apps.core.admin.reauthentication import fresh_second_factor_required
from apps.core.clock import organisation_time, organisation_today
from apps.personal_data.domain import subject_reference
from apps.personal_data.registry import Category
from apps.retention.models import LegalHold
from apps.retention.selectors.workspace import review_due_condition
from apps.retention.services.holds import legal_hold_place, legal_hold_release, legal_hold_update

CHANGE_PERMISSION = "retention.change_legalhold"
# Who may see whom a hold is on; others (auditors) see the pseudonymous subject reference.
SEE_SUBJECT_PERMISSION = "accounts.view_user"


def categories_label(categories: list[str]) -> str:
    if not categories:
        return _("All of the subject's data")
    labels = dict(Category.choices)
    return ", ".join(str(labels.get(value, value)) for value in categories)


# --- Forms ---------------------------------------------------------------------------------------


class LegalHoldForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Data categories held"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("Leave every box empty to hold all of the subject's data."),
    )

    class Meta:
        model = LegalHold
        fields = ("subject", "categories", "reason", "note", "review_on")

    def clean_review_on(self):
        review_on = self.cleaned_data["review_on"]
        unchanged = self.instance.pk is not None and self.instance.review_on == review_on
        if review_on is not None and not unchanged and review_on < organisation_today():
            raise ValidationError(_("Choose a review date from today on."))
        return review_on


class ReleaseForm(forms.Form):
    release_note = forms.CharField(
        label=gettext_lazy("Why the hold is released"),
        help_text=gettext_lazy("For example: the debt was paid, the case closed, the audit ended."),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
    )


# --- Filters -------------------------------------------------------------------------------------


class HoldStatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return (("active", _("Active")), ("released", _("Released")))

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(released_at__isnull=True)
        if self.value() == "released":
            return queryset.filter(released_at__isnull=False)
        return queryset


class ReviewDueFilter(admin.SimpleListFilter):
    """Active holds whose review date has come (the ones officers are reminded of)."""

    title = gettext_lazy("review date passed")
    parameter_name = "review_due"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")), ("no", _("No")))

    def queryset(self, request, queryset):
        due = review_due_condition()  # the home page's tile counts the same (selectors/workspace.py)
        if self.value() == "yes":
            return queryset.filter(due)
        if self.value() == "no":
            return queryset.exclude(due)
        return queryset


# --- The admin -----------------------------------------------------------------------------------

EDITABLE = ("categories", "reason", "note", "review_on")


@admin.register(LegalHold)
class LegalHoldAdmin(ObjectIdAdminMixin, admin.ModelAdmin):
    form = LegalHoldForm
    list_display = (
        "short_reference",
        "subject_display",
        "reason",
        "categories_display",
        "placed_by",
        "review_display",
        "status_display",
        "created_at",
    )
    list_filter = (HoldStatusFilter, ReviewDueFilter, "reason")
    list_select_related = ("subject", "placed_by", "released_by")
    autocomplete_fields = ("subject",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_per_page = 50
    change_form_template = "admin/retention/legalhold/change_form.html"
    record_fields = (
        "reference",
        "subject_link",
        "categories_display",
        "reason",
        "note",
        "placed_by",
        "created_at",
        "review_on",
        "review_reminded_on",
        "released_at",
        "released_by",
        "release_note",
    )

    # --- Who may do what ---------------------------------------------------------------------------

    def has_change_permission(self, request, obj=None) -> bool:
        # A released hold is the record of it: shown read-only to everyone.
        return super().has_change_permission(request, obj) and (obj is None or obj.is_active)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # release it instead; the hold and its history stay

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def can_release(self, request, obj: LegalHold | None) -> bool:
        return obj is not None and obj.is_active and request.user.has_perm(CHANGE_PERMISSION)

    def sees_subject(self, request) -> bool:
        return request.user.has_perm(SEE_SUBJECT_PERMISSION)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "subject" and field is not None:
            # Choose a person here; adding, changing or deleting accounts is not part of placing a hold.
            widget = field.widget
            widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
            widget.can_view_related = False
        return field

    # --- Lists -------------------------------------------------------------------------------------

    def get_list_display(self, request):
        if self.sees_subject(request):
            return self.list_display
        return tuple("subject_pseudonym" if name == "subject_display" else name for name in self.list_display)

    def get_search_fields(self, request):
        if self.sees_subject(request):
            return ("subject__email", "subject__full_name", "=subject__reference", "=reference")
        return ("=reference",)

    def get_search_results(self, request, queryset, search_term):
        # A UUID field compared with text that is not a UUID would fail; such terms match nothing there.
        return super().get_search_results(request, queryset, search_term.strip())

    @admin.display(description=gettext_lazy("hold"), ordering="reference")
    def short_reference(self, obj: LegalHold) -> str:
        return str(obj.reference)[:8]

    @admin.display(description=gettext_lazy("subject"), ordering="subject__email")
    def subject_display(self, obj: LegalHold) -> str:
        return obj.subject.email

    @admin.display(description=gettext_lazy("subject reference"))
    def subject_pseudonym(self, obj: LegalHold) -> str:
        return subject_reference(obj.subject)[:16]

    @admin.display(description=gettext_lazy("subject"))
    def subject_link(self, obj: LegalHold) -> str:
        url = reverse("admin:accounts_user_change", args=[obj.subject_id])
        return format_html('<a href="{}">{}</a>', url, obj.subject.email)

    @admin.display(description=gettext_lazy("data held"))
    def categories_display(self, obj: LegalHold) -> str:
        return categories_label(obj.categories)

    @admin.display(description=gettext_lazy("review on"), ordering="review_on")
    def review_display(self, obj: LegalHold) -> str:
        if obj.is_active and obj.review_on <= organisation_today():
            due = '<strong class="overdue" style="color:#ba2121">⚠ {} ({})</strong>'
            return format_html(due, obj.review_on, _("due"))
        return str(obj.review_on)

    @admin.display(description=gettext_lazy("status"), ordering="released_at")
    def status_display(self, obj: LegalHold) -> str:
        if obj.is_active:
            return _("Active")
        return _("Released %(date)s") % {"date": f"{organisation_time(obj.released_at):%Y-%m-%d}"}

    # --- Pages -------------------------------------------------------------------------------------

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(LegalHoldForm.Meta.fields)
        if self.has_change_permission(request, obj):
            return ["reference", "subject_link", *EDITABLE, "placed_by", "created_at", "review_reminded_on"]
        return self._record_fields(request)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if self.has_change_permission(request, obj):
            return ("reference", "subject_link", "placed_by", "created_at", "review_reminded_on")
        return self._record_fields(request)

    def _record_fields(self, request):
        if self.sees_subject(request):
            return self.record_fields
        return tuple("subject_pseudonym" if name == "subject_link" else name for name in self.record_fields)

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        fields = {
            "reason": data["reason"],
            "review_on": data["review_on"],
            "categories": data.get("categories") or [],
            "note": data.get("note", ""),
        }
        if change:
            saved = legal_hold_update(hold=obj, actor=request.user, **fields)
        else:
            saved = legal_hold_place(subject=data["subject"], actor=request.user, **fields)
        obj.__dict__.update(saved.__dict__)

    def save_related(self, request, form, formsets, change) -> None:
        pass  # a hold has no related rows to save from this form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:  # the service refused (say, released meanwhile)
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.path)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id) if is_object_id(object_id) else None
        extra = {"can_release": self.can_release(request, obj)}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/release/", wrap(self.release_view), name="retention_legalhold_release"),
            *super().get_urls(),
        ]

    @fresh_second_factor_required
    def release_view(self, request, object_id):
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if not request.user.has_perm(CHANGE_PERMISSION):
            raise PermissionDenied
        if not is_object_id(object_id):
            raise Http404
        hold = get_object_or_404(LegalHold.objects.select_related("subject", "placed_by"), pk=object_id)
        change_url = reverse("admin:retention_legalhold_change", args=[hold.pk])
        if not hold.is_active:
            self.message_user(request, _("This hold was already released."), messages.WARNING)
            return HttpResponseRedirect(change_url)
        form = ReleaseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                legal_hold_release(hold=hold, actor=request.user, note=form.cleaned_data["release_note"])
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("The hold is released. Deletions it held back go ahead on the next purge run."),
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Release this legal hold?"),
            "hold": hold,
            "categories": categories_label(hold.categories),
            "sees_subject": self.sees_subject(request),
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/retention/legalhold/release.html", context)


@admin.register(LegalHold.history.model)
class LegalHoldHistoryAdmin(HistoryRecordAdmin):
    list_display = (
        "history_date",
        "history_type",
        "history_user",
        "history_change_reason",
        "reason",
        "review_on",
    )
    list_filter = ("history_type", "reason", "history_date")
    search_fields = ("=reference", "history_change_reason")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        # As on the holds themselves: who is held is for staff who may see customers.
        if request.user.has_perm(SEE_SUBJECT_PERMISSION):
            return fields
        return [name for name in fields if name != "subject"]


# --- On the subject's user page ---------------------------------------------------------------------


def active_holds_summary(user) -> str:
    """The subject's active holds as HTML, for the user admin page (P-42). One query."""
    holds = list(
        LegalHold.objects.filter(subject_id=user.pk, released_at__isnull=True)
        .select_related("placed_by")
        .order_by("review_on", "pk")
    )
    add_url = f"{reverse('admin:retention_legalhold_add')}?subject={user.pk}"
    place = format_html('<a href="{}">{}</a>', add_url, _("Place a legal hold…"))
    if not holds:
        return format_html("<p>{}</p><p>{}</p>", _("None."), place)
    items = format_html_join(
        "",
        '<li><a href="{}">{}</a>: {} — {}; {} {}; {} {}</li>',
        (
            (
                reverse("admin:retention_legalhold_change", args=[hold.pk]),
                str(hold.reference)[:8],
                hold.get_reason_display(),
                categories_label(hold.categories),
                _("placed by"),
                hold.placed_by.email,
                _("review on"),
                hold.review_on,
            )
            for hold in holds
        ),
    )
    return format_html(
        '<p class="errornote">{}</p><ul>{}</ul><p>{}</p>',
        _("Erasure and retention purges keep what these holds cover until they are released."),
        items,
        place,
    )


register_subject_panel(
    SubjectPanel(
        key="legal_holds",
        title=gettext_lazy("Legal holds (P-42)"),
        permission="retention.view_legalhold",
        render=active_holds_summary,
        order=10,
    )
)
register_subject_tool(
    SubjectTool(
        key="place_hold",
        label=gettext_lazy("Place a legal hold…"),
        permission="retention.add_legalhold",
        url=lambda subject: f"{reverse('admin:retention_legalhold_add')}?subject={subject.pk}",
        order=14,
    )
)
