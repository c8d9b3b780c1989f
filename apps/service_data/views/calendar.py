"""Your Account pages: the calendar (list, import from Google when possible, delete an entry)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.core.http import AuthenticatedHttpRequest
from apps.service_data.models import OptionalKind
from apps.service_data.selectors.activity import kind_refused
from apps.service_data.selectors.calendar import calendar_entries_for_owner, calendar_entry_get_for_owner
from apps.service_data.services.calendar import (
    CalendarImportError,
    calendar_entry_delete,
    calendar_import_google,
    calendar_import_possible,
)

PER_PAGE = 25


@login_required
@require_GET
def calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "page": Paginator(calendar_entries_for_owner(owner=request.user), PER_PAGE).get_page(request.GET.get("page")),
        "can_import": calendar_import_possible(owner=request.user),
        "refused": kind_refused(owner=request.user, kind=OptionalKind.CALENDAR),
    }
    return render(request, "service_data/calendar.html", context)


@login_required
@require_POST
def calendar_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Synchronous on purpose: the customer waits for the answer, and the short-lived token is
    # used here and now rather than handed to a queue where it could outlive its purpose.
    try:
        result = calendar_import_google(owner=request.user)
    except CalendarImportError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Calendar imported: %(created)d new, %(updated)d updated, %(removed)d removed.")
            % {"created": result.created, "updated": result.updated, "removed": result.removed},
        )
    return redirect("service_data:calendar")


@login_required
@require_POST
def calendar_delete(request: AuthenticatedHttpRequest, reference) -> HttpResponse:
    entry = calendar_entry_get_for_owner(reference=reference, owner=request.user)
    calendar_entry_delete(entry=entry, actor=request.user)
    messages.success(request, _("The calendar entry was deleted."))
    return redirect("service_data:calendar")


urlpatterns: list[URLPattern] = [
    path("account/service/calendar/", calendar, name="calendar"),
    path("account/service/calendar/import/", calendar_import, name="calendar_import"),
    path("account/service/calendar/<uuid:reference>/delete/", calendar_delete, name="calendar_delete"),
]
