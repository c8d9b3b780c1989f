"""List filters of the request list: due soon and overdue (the selectors' own), assignee."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.subject_requests import selectors
from apps.subject_requests.admin.common import handlers


class _YesFilter(admin.SimpleListFilter):
    def lookups(self, request, model_admin):
        return (("yes", _("Yes")),)


class DueSoonFilter(_YesFilter):
    """Open requests whose deadline falls within the next 7 days (selectors.due_soon)."""

    title = gettext_lazy("due soon")
    parameter_name = "due_soon"

    def queryset(self, request, queryset):
        return selectors.due_soon(queryset) if self.value() == "yes" else queryset


class OverdueFilter(_YesFilter):
    title = gettext_lazy("overdue")
    parameter_name = "overdue"

    def queryset(self, request, queryset):
        return selectors.overdue(queryset) if self.value() == "yes" else queryset


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
