"""Admin pieces every app's admin builds on: read-only and append-only admins, history, a
country filter, and URLs whose object id is not a primary key."""

from __future__ import annotations

from typing import ClassVar

from django.contrib import admin
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from apps.core.admin.visibility import FieldViewRuleMixin


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


class HistoryRecordAdmin(FieldViewRuleMixin, ReadOnlyAdmin):
    """The change history of a model, for auditors (who cannot see the live records).

    The field-level view rule applies (FieldViewRuleMixin): the newest version of a live
    record *is* the live record, so what a role may not see of it is hidden here too.
    """

    # Typed as tuples of any length: each history admin lists its model's own columns.
    list_display: tuple[str, ...] = ("history_date", "history_type", "history_user", "history_change_reason", "__str__")
    list_filter: ClassVar[tuple[str, ...]] = ("history_type", "history_date")
    date_hierarchy = "history_date"
    list_select_related = ("history_user",)
    search_fields: ClassVar[tuple[str, ...]] = ("history_change_reason",)
    list_per_page = 50
    # A customer who changed their own record is its history user.
    person_fields = ("history_user",)


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


def is_object_id(value) -> bool:
    """A primary key as the URL may carry it: ASCII digits only ("²".isdigit() is True too)."""
    value = str(value)
    return value.isascii() and value.isdigit()


class ObjectIdAdminMixin:
    """A change or view page whose id in the URL is not a primary key is a 404, not a redirect."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is not None and not is_object_id(object_id):
            raise Http404
        return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
