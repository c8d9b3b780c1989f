"""The request list and the request page of the officer's workflow (P-30, P-31).

- The list: deadline clock, filters (status, type, jurisdiction, due soon, overdue,
  assignee, channel), search by reference or email, and the bulk "Assign to…" action
  (workflow.py).
- The request page (``change_view``, read-only): subject summary, deadline clock, scope
  (the rectification diff to accept), timeline, related requests, attachments, and the
  steps valid now, each behind a confirmation page (workflow.py).
- Messages to the subject and internal notes, two separate forms, and applying a
  rectification (workflow.py).
- Intake of requests received by email, phone or letter (the add page) and attachments
  (intake.py).

Nothing here writes except through the services; nothing is deleted.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.admin import account_filter, is_object_id
from apps.core.admin.rows import QuickRowsMixin
from apps.core.models import choice_label, reference_prefix_range
from apps.personal_data.domain import subject_reference
from apps.subject_requests.admin.intake import IntakeAdminMixin
from apps.subject_requests.admin.queue import QueueAdminMixin, QueueFilter, results_of
from apps.subject_requests.admin.workflow import WorkflowAdminMixin, available_steps
from apps.subject_requests.domain import ADD_PERMISSION, may_handle, sees_subject
from apps.subject_requests.forms.intake import AttachmentForm
from apps.subject_requests.forms.workflow import AssignForm, MessageForm, NoteForm
from apps.subject_requests.models import RequestType, SubjectRequest
from apps.subject_requests.selectors.deadlines import clock, due_soon, extension_limit, overdue, with_deadline
from apps.subject_requests.selectors.requests import (
    rectification_rows,
    related_requests,
    scope_rows,
    subject_summary,
    timeline,
)
from apps.subject_requests.selectors.workflow import handlers
from apps.subject_requests.services.workflow import subject_requests_assign

Status = SubjectRequest.Status
SUBJECT_MATCHES = 100
# What the list's columns read of a request and its relations, for each persona (the person, or
# the pseudonym; the deadline clock; the checkbox's label, str()). Loading whole rows (the
# accounts' two dozen columns twice, the JSON scope and execution) cost more than drawing them.
# A column that reads another field makes a query per row: the queue's query-count test says so.
LIST_FIELDS = (
    "reference",
    "request_type",
    "status",
    "channel",
    "received_at",
    "requester_email",
    "due_at",
    "extended_to",
    "paused_since",
    "subject__email",
    "subject__reference",
    "assignee__email",
    "jurisdiction__code",
    "jurisdiction__timezone",
)


class _YesFilter(admin.SimpleListFilter):
    def lookups(self, request, model_admin):
        return (("yes", _("Yes")),)


class DueSoonFilter(_YesFilter):
    """Open requests whose deadline falls within the next 7 days (selectors/deadlines.py)."""

    title = gettext_lazy("due soon")
    parameter_name = "due_soon"

    def queryset(self, request, queryset):
        return due_soon(queryset) if self.value() == "yes" else queryset


class OverdueFilter(_YesFilter):
    title = gettext_lazy("overdue")
    parameter_name = "overdue"

    def queryset(self, request, queryset):
        return overdue(queryset) if self.value() == "yes" else queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = gettext_lazy("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        people = [(str(user.pk), user.email) for user in handlers()]
        return [("me", _("Me")), ("none", _("Unassigned")), *people]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and value.isascii() and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class SubjectRequestAdmin(QuickRowsMixin, QueueAdminMixin, WorkflowAdminMixin, IntakeAdminMixin, admin.ModelAdmin):
    # The mixins add their pages (get_urls), the steps' first: "<id>/step/<code>/" is tried before
    # the other "<id>/…/" pages, as it always was ("5/step/attach/" is the step page's 404).
    # The deadline and its state next to the reference: in view at 1366 px, the filters beside.
    list_display = (
        "short_reference",
        "clock_display",
        "status_display",
        "type_display",
        "person",
        "assignee_display",
        "jurisdiction_display",
        "channel",
        "received_at",
    )
    list_display_links = ("short_reference",)
    list_filter = (
        QueueFilter,
        "status",
        "request_type",
        "jurisdiction",
        DueSoonFilter,
        OverdueFilter,
        AssigneeFilter,
        "channel",
        account_filter("subject"),
    )
    list_select_related = ("subject", "assignee", "jurisdiction")
    list_only = LIST_FIELDS
    search_fields = ("requester_email",)  # the search box; get_search_results does the matching
    search_help_text = gettext_lazy("A reference (its first 8 characters are enough) or an email address.")
    date_hierarchy = "received_at"
    # ordering: the queue's, urgent first (queue.py)
    list_per_page = 50
    actions = ["assign_to"]
    change_form_template = "admin/subject_requests/subjectrequest/request.html"

    # --- Who may do what ---------------------------------------------------------------------------

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm(ADD_PERMISSION) and may_handle(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # every change is a step (a service call), never a form over the row

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        if not may_handle(request.user):
            actions.pop("assign_to", None)
        return actions

    # --- The list ----------------------------------------------------------------------------------

    def get_queryset(self, request):
        return with_deadline(super().get_queryset(request))

    def get_list_display(self, request):
        if sees_subject(request.user):
            return self.list_display
        return (*(name for name in self.list_display if name != "person"), "subject_pseudonym")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # Each part an index answers (at 200 000 requests a "contains" reads them all): the
        # reference's start as a range of the unique index, the start of an address in any case
        # (a pattern index over UPPER(requester_email) on PostgreSQL, migration 0005).
        condition = Q()
        references = reference_prefix_range(term)
        if references is not None:
            condition |= Q(reference__range=references)
        if sees_subject(request.user):
            # The accounts first, so the OR stays on this table's indexes (one across the join
            # to accounts reads every request); a start shared by more accounts than
            # SUBJECT_MATCHES finds their requests by the requester's address only.
            subjects = list(
                User.objects.filter(email__startswith=term.lower())
                .order_by("email")
                .values_list("pk", flat=True)[: SUBJECT_MATCHES + 1]
            )
            if len(subjects) > SUBJECT_MATCHES:
                messages.warning(
                    request,
                    _(
                        "More than %(count)d accounts have an address starting with this: the list may miss "
                        "some of their requests. Type more of the address."
                    )
                    % {"count": SUBJECT_MATCHES},
                )
            condition |= Q(requester_email__istartswith=term) | Q(subject_id__in=subjects[:SUBJECT_MATCHES])
        if not condition:
            return queryset.none(), False
        return queryset.filter(condition), False

    @admin.display(description=gettext_lazy("reference"), ordering="reference")
    def short_reference(self, obj: SubjectRequest) -> str:
        return obj.short_reference

    @admin.display(description=gettext_lazy("type"), ordering="request_type")
    def type_display(self, obj: SubjectRequest) -> str:
        return choice_label(obj, "request_type")

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_display(self, obj: SubjectRequest) -> str:
        return choice_label(obj, "status")

    @admin.display(description=gettext_lazy("subject or requester"), ordering="requester_email")
    def person(self, obj: SubjectRequest) -> str:
        if obj.subject is not None:
            return obj.subject.email
        return format_html("{} <small>({})</small>", obj.requester_email or "—", _("no account"))

    @admin.display(description=gettext_lazy("subject reference"))
    def subject_pseudonym(self, obj: SubjectRequest) -> str:
        return subject_reference(obj.subject)[:16] if obj.subject is not None else _("no account")

    @admin.display(description=gettext_lazy("jurisdiction"), ordering="jurisdiction__code")
    def jurisdiction_display(self, obj: SubjectRequest) -> str:
        return obj.jurisdiction.code.upper()

    @admin.display(description=gettext_lazy("deadline"), ordering="deadline_at")
    def clock_display(self, obj: SubjectRequest) -> str:
        state = clock(obj)
        if state.deadline is None:
            return "—"
        date = f"{state.deadline:%Y-%m-%d}"
        if state.closed:
            return format_html('<span class="clock clock-closed">{}</span>', date)
        if state.paused:
            return format_html('<span class="clock clock-paused">⏸ {} ({})</span>', date, state.label)
        if state.overdue:
            return format_html(
                '<strong class="clock clock-overdue" style="color:#ba2121">⚠ {} ({})</strong>', date, state.label
            )
        soon = state.days_left is not None and state.days_left <= 7
        if soon:
            return format_html('<span class="clock clock-soon" style="color:#b35900">{} ({})</span>', date, state.label)
        return format_html('<span class="clock">{} ({})</span>', date, state.label)

    @admin.display(description=gettext_lazy("assignee"), ordering="assignee__email")
    def assignee_display(self, obj: SubjectRequest) -> str:
        return obj.assignee.email if obj.assignee is not None else "—"

    # --- Bulk assign -------------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Assign to…"))
    def assign_to(self, request, queryset):
        if not may_handle(request.user):
            raise PermissionDenied
        form = AssignForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            assignee = form.cleaned_data["assignee"]
            try:
                count = subject_requests_assign(requests=list(queryset), assignee=assignee, actor=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return None
            if assignee is None:
                text = _("%(count)d request(s) unassigned.") % {"count": count}
            else:
                text = _("%(count)d request(s) assigned to %(person)s.") % {"count": count, "person": assignee.email}
            self.message_user(request, text, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Assign %(count)d request(s)") % {"count": queryset.count()},
            "requests": queryset.select_related("assignee"),
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
        }
        status = 400 if "apply" in request.POST else 200
        return TemplateResponse(request, "admin/subject_requests/subjectrequest/assign.html", context, status=status)

    # --- The request page --------------------------------------------------------------------------

    def _get(self, request, object_id, *, handle: bool = True) -> SubjectRequest:
        if not is_object_id(object_id):
            raise Http404
        if handle and not may_handle(request.user):
            raise PermissionDenied
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(
            SubjectRequest.objects.select_related("subject", "assignee", "jurisdiction", "duplicate_of"),
            pk=object_id,
        )

    def _page_url(self, obj: SubjectRequest) -> str:
        return reverse("admin:subject_requests_subjectrequest_change", args=[obj.pk])

    def _context(self, request, obj: SubjectRequest | None, title: str, **values) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "original": obj,
            "page_url": self._page_url(obj) if obj is not None else "",
            **values,
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        obj = self._get(request, object_id, handle=False)
        return TemplateResponse(request, self.change_form_template, self.page_context(request, obj))

    def page_context(self, request, obj: SubjectRequest, **forms) -> dict:
        user = request.user
        handles = may_handle(user)
        shows_subject = sees_subject(user)
        context = self._context(
            request,
            obj,
            _("%(type)s %(reference)s") % {"type": obj.get_request_type_display(), "reference": obj.short_reference},
            req=obj,
            clock=clock(obj),
            handles=handles,
            sees_subject=shows_subject,
            steps=available_steps(obj, user) if handles else [],
            timeline=timeline(obj, for_subject=False) if shows_subject else _status_timeline(obj),
            terms=obj.jurisdiction.terms(obj.request_type, obj.received_at),
            extension_limit=extension_limit(obj),
            execution_state=obj.get_execution_state_display() if obj.execution_state else "",
            execution_error=(obj.execution or {}).get("error", "") if handles else "",
            message_form=forms.get("message_form") or MessageForm(),
            note_form=forms.get("note_form") or NoteForm(),
            attachment_form=forms.get("attachment_form") or AttachmentForm(),
        )
        if shows_subject:
            context.update(subject_summary(obj), related=list(related_requests(obj)[:20]))
            context["scope_rows"] = scope_rows(obj)
            context["rectification"] = rectification_rows(obj)
            context["can_rectify"] = (
                handles and obj.request_type == RequestType.RECTIFICATION and obj.status == Status.IN_PROGRESS
            )
        else:
            context["pseudonym"] = subject_reference(obj.subject)[:16] if obj.subject is not None else ""
        context.update(results_of(obj, user), may_take=handles and obj.is_open and obj.assignee_id != user.pk)
        if handles:
            context["attachments"] = list(obj.attachments.select_related("uploaded_by").order_by("uploaded_at"))
        return context

    def _render_page(self, request, obj, status: int, **forms):
        return TemplateResponse(
            request, self.change_form_template, self.page_context(request, obj, **forms), status=status
        )


def _status_timeline(obj: SubjectRequest) -> list:
    """For those who do not see the subject (auditors): status changes only, without reasons."""
    return [item for item in timeline(obj, for_subject=True) if item.kind == "status"]


admin.site.register(SubjectRequest, SubjectRequestAdmin)
