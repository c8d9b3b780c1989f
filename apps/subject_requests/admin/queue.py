"""The request list as a queue: urgent first, saved views, and "Assign to me".

- Default order: open requests before closed ones, each by deadline, the earliest (so the
  overdue) first; a request without a deadline after those with one.
- The "queue" filter holds the saved views ("mine", "unassigned", "due this week"…) and the
  home page's tiles link to it (selectors/workspace.py counts with the same conditions).
- "Assign to me" on the request page: a POST, through the same service as the bulk action, so
  the history names the officer who took it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.functions import Coalesce
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.subject_requests.domain import may_handle
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.models.requests import open_first
from apps.subject_requests.selectors.workspace import QUEUES, queue_condition, queue_url
from apps.subject_requests.services.workflow import subject_requests_assign

# The views an officer opens the list with most: named links above it.
SAVED_VIEWS = ("mine", "unassigned", "week", "overdue")

# Open before closed, then by deadline (extended or due), the earliest first; the changelist adds
# its own tie-breaker (the primary key). The index subject_request_queue_idx has these very keys:
# change one and change the other, or PostgreSQL sorts every request again.
QUEUE_ORDERING = (
    open_first().asc(),
    Coalesce("extended_to", "due_at").asc(nulls_last=True),
    "-received_at",
)


class QueueFilter(admin.SimpleListFilter):
    title = gettext_lazy("saved view")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        names = list(QUEUES)
        if not may_handle(request.user):
            names.remove("mine")  # only those who handle requests are assigned any
        return [(name, QUEUES[name]) for name in names]

    def queryset(self, request, queryset):
        name = self.value()
        if name not in QUEUES:
            return queryset
        # The list's queryset is already annotated with the deadline (with_deadline).
        return queryset.filter(queue_condition(name, user=request.user, now=timezone.now()))


class QueueAdminMixin:
    """For SubjectRequestAdmin: the queue's order and the "Assign to me" step."""

    def changelist_view(self, request, extra_context=None):
        # The saved views as links above the list (the filter holds them too, with the rest).
        current = request.GET.get(QueueFilter.parameter_name, "")
        names = [name for name in SAVED_VIEWS if name != "mine" or may_handle(request.user)]
        views = [{"label": QUEUES[name], "url": queue_url(name), "current": name == current} for name in names]
        extra_context = {**(extra_context or {}), "saved_views": views}
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def get_ordering(self, request):
        return QUEUE_ORDERING  # a user's click on a column header still takes precedence

    def get_urls(self):
        wrap = self.admin_site.admin_view  # type: ignore[attr-defined]
        return [
            path(
                "<path:object_id>/assign-to-me/",
                wrap(self.assign_to_me_view),
                name="subject_requests_subjectrequest_assign_me",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def assign_to_me_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not may_handle(request.user):
            raise PermissionDenied
        obj = self._get(request, object_id)  # type: ignore[attr-defined]
        if not obj.is_open:
            messages.error(request, _("This request is closed: there is nothing left to assign."))
            return HttpResponseRedirect(self._page_url(obj))  # type: ignore[attr-defined]
        try:
            changed = subject_requests_assign(requests=[obj], assignee=request.user, actor=request.user, open_only=True)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(self._page_url(obj))  # type: ignore[attr-defined]
        if changed:
            messages.success(request, _("You are now the request's assignee; its history records it."))
        else:
            messages.info(request, _("This request was already assigned to you."))
        return HttpResponseRedirect(self._page_url(obj))  # type: ignore[attr-defined]


def results_of(obj: SubjectRequest, user) -> dict:
    """Links from a request to what carrying it out made: the erasure's certificate, the export's
    record (the engine's references, kept in ``execution``), for staff who may open them."""
    execution = obj.execution or {}
    erasure_id = (execution.get("erasure") or {}).get("id")
    export_id = (execution.get("export") or {}).get("id")
    results = {}
    if erasure_id and user.has_perm("personal_data.view_erasurerun"):
        results["certificate_url"] = reverse("admin:personal_data_erasurerun_certificate", args=[erasure_id])
    if export_id and user.has_perm("personal_data.view_dataexport"):
        results["export_url"] = reverse("admin:personal_data_dataexport_change", args=[export_id])
    return results
