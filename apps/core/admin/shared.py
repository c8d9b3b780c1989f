"""Admin pieces every app's admin builds on: read-only and append-only admins, history, a
country filter, and URLs whose object id is not a primary key."""

from __future__ import annotations

from typing import ClassVar

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from apps.core.admin.visibility import hidden_fields, names_field


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
    """The change history of a model, for auditors (who cannot see the live records).

    The field-level view rule applies (apps/core/admin/visibility.py): a field the user's role
    may not see is neither shown (list, page), nor searched, filtered or sorted on, and a
    record is named without it. The newest version of a live record *is* the live record.
    """

    # Typed as tuples of any length: each history admin lists its model's own columns.
    list_display: tuple[str, ...] = ("history_date", "history_type", "history_user", "history_change_reason", "__str__")
    list_filter: ClassVar[tuple[str, ...]] = ("history_type", "history_date")
    date_hierarchy = "history_date"
    list_select_related = ("history_user",)
    search_fields: ClassVar[tuple[str, ...]] = ("history_change_reason",)
    list_per_page = 50

    def hidden_fields(self, request) -> frozenset[str]:
        return hidden_fields(request.user, self.model)

    def _visible(self, request, entries) -> list:
        hidden = self.hidden_fields(request)
        return [entry for entry in entries if names_field(entry) not in hidden]

    def get_list_display(self, request):
        # A record's own name (its model's __str__) may quote what is hidden, an email say;
        # so may its author's, when a customer changed their own record.
        names_record = not self.hidden_fields(request)
        names_people = self.sees_people(request)
        renamed = {"__str__": "__str__" if names_record else "version"}
        renamed["history_user"] = "history_user" if names_people else "changed_by"
        return [renamed.get(name, name) for name in self._visible(request, super().get_list_display(request))]

    def sees_people(self, request) -> bool:
        """Whether the user may see who a customer is (their email, by the same rule)."""
        return "email" not in hidden_fields(request.user, get_user_model())

    def get_search_fields(self, request):
        return self._visible(request, super().get_search_fields(request))

    def get_list_filter(self, request):
        return self._visible(request, super().get_list_filter(request))

    def get_ordering(self, request):
        return self._visible(request, super().get_ordering(request) or ())

    def get_fields(self, request, obj=None):
        fields = self._visible(request, super().get_fields(request, obj))
        author = getattr(obj, "history_user", None)
        if author is not None and not author.is_staff and not self.sees_people(request):
            fields = [name for name in fields if name not in ("history_user", "history_user_id")]
        return fields

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # Refused lookups answer 400: no query string filters on what the user cannot see.
        if request is not None and names_field(lookup) in self.hidden_fields(request):
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("changed by"), ordering="history_user")
    def changed_by(self, record) -> str:
        author = record.history_user
        if author is None:
            return "-"
        # Staff are named: who changed a record is what an audit is for.
        return str(author) if author.is_staff else str(_("a customer"))

    @admin.display(description=_("version"))
    def version(self, record) -> str:
        return self.record_label(record)

    def record_label(self, record) -> str:
        return f"{record._meta.verbose_name} {record.pk}"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        self._name_without_hidden_fields(request, response, "original", "subtitle")
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        self._name_without_hidden_fields(request, response, "object", "title")
        return response

    def _name_without_hidden_fields(self, request, response, record_key: str, label_key: str) -> None:
        context = getattr(response, "context_data", None)
        record = context.get(record_key) if context else None
        if context is None or record is None or not self.hidden_fields(request):
            return
        label = self.record_label(record)
        context[record_key] = _Named(record.pk, label)
        context[label_key] = label


class _Named:
    """A record as page titles and links use it: its primary key and a name."""

    def __init__(self, pk, name: str) -> None:
        self.pk = pk
        self.name = name

    def __str__(self) -> str:
        return self.name


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
