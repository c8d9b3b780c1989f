"""Admin pieces every app's admin builds on: changelists filtered only as declared, read-only
and append-only admins, history, a country filter, and URLs whose object id is not a primary key."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.filters import FieldListFilter, ListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import url_params_from_lookup_dict
from django.db.models import Field, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from apps.core.admin.scale import values_present
from apps.core.admin.visibility import FieldViewRuleMixin


class DeclaredLookupsOnlyMixin:
    """A changelist filters only through the admin's declared list filters and date hierarchy.

    Django lets the query string filter on any of a model's own fields, so that
    ``?requester_email__regex=^v[a-m]`` read through the result count rebuilds a field the
    page never shows, letter by letter. Here a query parameter is a lookup only when one of
    the list filters this user gets (``get_list_filter``) or the date hierarchy reads it;
    any other is refused (DisallowedModelAdminLookup, a 400). Search, ordering, paging,
    ``all``, ``_popup``, ``_to_field`` and ``_facets`` are not lookups: Django takes them
    out before asking, and checks them itself.

    The portal's admin site puts this in front of every admin it registers (site.py), the
    third-party ones too, so a new admin cannot forget it.
    """

    def lookup_allowed(self, lookup: str, value: Any, request=None) -> bool:
        if request is None:  # which filters apply depends on who asks; Django always says
            return False
        if lookup not in self.declared_lookups(request) and not self._raw_id_popup_lookup(lookup, value):
            return False
        return super().lookup_allowed(lookup, value, request)  # type: ignore[misc]

    def declared_lookups(self, request) -> frozenset[str]:
        """The query parameters the list filters and the date hierarchy read, for this request."""
        # Asked once per parameter of the same request: build the filters once.
        cache: dict[int, frozenset[str]] = request.__dict__.setdefault("_declared_lookups", {})
        if id(self) not in cache:
            cache[id(self)] = frozenset(self._declared_lookups(request))
        return cache[id(self)]

    def _declared_lookups(self, request) -> set[str]:
        admin_: Any = self
        lookups: set[str] = set()
        for item in admin_.get_list_filter(request):
            lookups.update(str(name) for name in self._list_filter(request, item).expected_parameters() if name)
        if admin_.date_hierarchy:
            lookups.update(f"{admin_.date_hierarchy}__{part}" for part in ("year", "month", "day"))
        return lookups

    def _list_filter(self, request, item) -> ListFilter:
        # As ChangeList.get_filters builds them, with no parameters: only their names are wanted.
        model_admin: Any = self
        model = model_admin.model
        if isinstance(item, type) and issubclass(item, ListFilter):
            return item(request, {}, model, model_admin)
        field, filter_class = item if isinstance(item, (list, tuple)) else (item, FieldListFilter.create)
        field_path = None
        if not isinstance(field, Field):
            field_path = field
            field = get_fields_from_path(model, field_path)[-1]
        return filter_class(field, request, {}, model, model_admin, field_path=field_path)

    def _raw_id_popup_lookup(self, lookup: str, value: Any) -> bool:
        # A raw-id widget's popup restricts the list to its field's limit_choices_to, as Django allows.
        for fk_lookup in self.model._meta.related_fkey_lookups:  # type: ignore[attr-defined]
            if callable(fk_lookup):
                fk_lookup = fk_lookup()
            if (lookup, value) in url_params_from_lookup_dict(fk_lookup).items():
                return True
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """For ledgers and history: viewable by whoever holds the view permission, never edited here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class NoDeleteAdminMixin:
    """For rows that are revoked or made inactive, never deleted: what they did stays explained."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions


class AppendOnlyAdminMixin(NoDeleteAdminMixin):
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
    # True when ``source_field`` leads an index of a large table: each country is then looked
    # up in the index (scale.values_present) instead of reading every row for the distinct ones.
    by_probes = False

    def source(self, request, model_admin) -> QuerySet:
        return model_admin.get_queryset(request)

    def lookups(self, request, model_admin):
        if self.by_probes:
            codes = values_present(self.source(request, model_admin), self.source_field, list(dict(countries)))
            return sorted(((code, countries.name(code) or code) for code in codes), key=lambda pair: str(pair[1]))
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


class AccountFilter(admin.SimpleListFilter):
    """One account's rows, by the account's opaque reference: what a person's page links to. An
    exact filter, where a search for an@x.io would also list jan@x.io. It offers no choices of its
    own; with a value it shows as the active filter, so the officer sees the list is narrowed."""

    title = _("account")
    parameter_name = "account"
    field = "user"  # the path from the listed model to the account

    def lookups(self, request, model_admin):
        return [(self.value(), _("this person"))] if self.value() else []

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        try:
            reference = uuid.UUID(value)
        except ValueError:
            return queryset.none()  # a mangled link lists nothing rather than everything
        return queryset.filter(**{f"{self.field}__reference": reference})


def account_filter(field: str) -> type[AccountFilter]:
    """An AccountFilter on ``field`` (e.g. "subject" for requests)."""
    return type(f"AccountFilter_{field}", (AccountFilter,), {"field": field})


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
