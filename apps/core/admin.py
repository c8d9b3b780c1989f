"""Admin pieces shared by every app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from apps.core.models import Job


class ReadOnlyAdmin(admin.ModelAdmin):
    """For ledgers and history: viewable by whoever holds the view permission, never edited here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AppendOnlyAdminMixin:
    """For ledgers whose rows are added through a form but never edited or deleted.

    ``add_form`` is the form of the add page (its ``Meta.fields`` are shown there); an
    existing row shows ``readonly_fields`` only.
    """

    add_form: type | None = None

    def get_fields(self, request, obj=None):
        if obj is None and self.add_form is not None:
            return list(self.add_form.Meta.fields)
        return list(self.readonly_fields)  # type: ignore[attr-defined]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields  # type: ignore[attr-defined]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None and self.add_form is not None:
            kwargs["form"] = self.add_form
            kwargs["fields"] = self.add_form.Meta.fields
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        # A class made for this request, so the add form can check what one officer may not do alone.
        form.acting_user = request.user
        return form

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions


class HistoryRecordAdmin(ReadOnlyAdmin):
    """The change history of a model, for auditors (who cannot see the live records)."""

    # Typed as tuples of any length: each history admin lists its model's own columns.
    list_display: tuple[str, ...] = ("history_date", "history_type", "history_user", "history_change_reason", "__str__")
    list_filter: ClassVar[tuple[str, ...]] = ("history_type", "history_date")
    date_hierarchy = "history_date"
    list_select_related = ("history_user",)
    search_fields: ClassVar[tuple[str, ...]] = ("history_change_reason",)
    list_per_page = 50


class CountryInUseFilter(admin.SimpleListFilter):
    """Only the countries that occur, not all 249.

    ``field`` is what the list is filtered on; ``source`` (its column ``source_field``) lists them.
    """

    title = _("country")
    parameter_name = "country"
    field = "country"
    source_field = "country"

    def source(self, request, model_admin) -> QuerySet:
        return model_admin.get_queryset(request)

    def lookups(self, request, model_admin):
        # order_by(): an ordering (the admin's or the model's) would make DISTINCT keep duplicates.
        codes = (
            self.source(request, model_admin)
            .exclude(**{self.source_field: ""})
            .order_by()
            .values_list(self.source_field, flat=True)
            .distinct()
        )
        return sorted(((code, countries.name(code) or code) for code in codes), key=lambda pair: str(pair[1]))

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """Background work for officers: what failed for good (and why), what is running or waiting."""

    list_display = ("kind", "target", "state", "attempts", "heartbeat_at", "created_at", "finished_at")
    list_filter = ("state", "kind")
    search_fields = ("=reference", "=target")
    readonly_fields = (
        "reference",
        "kind",
        "target",
        "state",
        "attempts",
        "max_attempts",
        "heartbeat_at",
        "lease_expires_at",
        "dispatched_at",
        "started_at",
        "finished_at",
        "last_error",
    )
    date_hierarchy = "created_at"
    list_per_page = 50


# --- The subject's admin page: what other apps add to it ------------------------------------
# A customer's page in the admin (the accounts app's user admin) shows what every app knows
# about the person: their legal holds, restrictions, open requests, and links to the consent
# evidence or to ask for access to their content. Each app registers its part from its own
# admin module, so the accounts app, below them all, imports none of them.


@dataclass(frozen=True)
class SubjectPanel:
    key: str
    title: str | Promise
    permission: str  # only staff holding it see the panel
    render: Callable[[Any], str]  # the subject → safe HTML (built with format_html)
    order: int = 50


@dataclass(frozen=True)
class SubjectTool:
    key: str
    label: str | Promise
    permission: str
    url: Callable[[Any], str]  # the subject → where the link goes
    order: int = 50


# (request, subject): a member of staff opened the subject's page (P-25 logs every look).
SubjectLook = Callable[[HttpRequest, Any], None]

_subject_panels: dict[str, SubjectPanel] = {}
_subject_tools: dict[str, SubjectTool] = {}
_subject_looks: dict[str, SubjectLook] = {}


def register_subject_panel(panel: SubjectPanel) -> None:
    _subject_panels[panel.key] = panel


def register_subject_tool(tool: SubjectTool) -> None:
    _subject_tools[tool.key] = tool


def register_subject_look(key: str, hook: SubjectLook) -> None:
    _subject_looks[key] = hook


def subject_panels(request: HttpRequest, subject: Any) -> list[dict[str, Any]]:
    panels = sorted(_subject_panels.values(), key=lambda p: (p.order, p.key))
    return [{"title": p.title, "html": p.render(subject)} for p in panels if request.user.has_perm(p.permission)]


def subject_tools(request: HttpRequest, subject: Any) -> list[dict[str, Any]]:
    tools = sorted(_subject_tools.values(), key=lambda t: (t.order, t.key))
    return [{"label": t.label, "url": t.url(subject)} for t in tools if request.user.has_perm(t.permission)]


def subject_looked_at(request: HttpRequest, subject: Any) -> None:
    for hook in _subject_looks.values():
        hook(request, subject)
