"""The field-level view rule as the admin reads it: which fields of a model a user may not see,
and the admin mixin that applies it (``FieldViewRuleMixin``).

What each staff role may see is declared per personal field in the personal-data registry
(apps/personal_data/registry/__init__.py, ``Viewer``); the accounts app knows the roles and supplies
the rule (its AppConfig.ready), since core sits below both. Until a rule is registered every
column but simple-history's own is hidden: the admin fails closed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

# (user, model) -> names of the model's fields the user may not see.
FieldRule = Callable[[Any, type[models.Model]], Collection[str]]
_rule: list[FieldRule] = []


def register_field_rule(rule: FieldRule) -> None:
    _rule[:] = [rule]


def hidden_fields(user: Any, model: type[models.Model]) -> frozenset[str]:
    """The fields of ``model`` hidden from ``user``, by name and by column (``subject`` and ``subject_id``)."""
    if _rule:
        names = set(_rule[0](user, model))
    else:
        names = {f.name for f in model._meta.concrete_fields if not f.name.startswith("history_")}
    for name in list(names):
        try:
            attname = getattr(model._meta.get_field(name), "attname", None)
        except FieldDoesNotExist:
            continue
        if attname:
            names.add(attname)
    return frozenset(names)


def sees_people(user: Any) -> bool:
    """Whether ``user`` may see who a customer is (their email address, by the same rule)."""
    return "email" not in hidden_fields(user, get_user_model())


def names_field(entry: Any) -> str | None:
    """The field an admin option names, if it names one: "email", "=reference", "user__email",
    ("status", SomeFilter) all name their first field, and so does a list filter class by its
    ``field`` (CountryInUseFilter) or its parameter; a callable or an admin method names none."""
    if isinstance(entry, (tuple, list)) and entry:
        entry = entry[0]
    if isinstance(entry, type):
        entry = getattr(entry, "field", None) or getattr(entry, "parameter_name", None)
    if not isinstance(entry, str):
        return None
    return entry.lstrip("^=@-").split("__", 1)[0] or None


class FieldViewRuleMixin:
    """An admin that shows each user only the fields their role may see.

    A hidden field is neither shown (list, page), nor searched, filtered or sorted on, and a
    lookup on it in the query string answers 400; a record whose name (its ``__str__``) may
    quote a hidden field is named by its model and key instead. ``person_fields`` are
    columns pointing at a person: to a user who may not see customers, staff there are
    named (who did something is what an audit is for) and customers are "a customer".
    """

    person_fields: tuple[str, ...] = ()

    def hidden_fields(self, request) -> frozenset[str]:
        return hidden_fields(request.user, self.model)  # type: ignore[attr-defined]

    def sees_people(self, request) -> bool:
        return sees_people(request.user)

    def _visible(self, request, entries) -> list:
        hidden = self.hidden_fields(request)
        return [entry for entry in entries if names_field(entry) not in hidden]

    def get_list_display(self, request):
        names_record = not self.hidden_fields(request)
        masked = () if self.sees_people(request) else self.person_fields
        shown = []
        for name in super().get_list_display(request):  # type: ignore[misc]
            if name in masked:
                shown.append(_person_column(name, self.model._meta.get_field(name).verbose_name))  # type: ignore[attr-defined]
            elif name == "__str__" and not names_record:
                shown.append("version")
            elif names_field(name) not in self.hidden_fields(request):
                shown.append(name)
        return shown

    def get_search_fields(self, request):
        return self._visible(request, super().get_search_fields(request))  # type: ignore[misc]

    def get_list_filter(self, request):
        return self._visible(request, super().get_list_filter(request))  # type: ignore[misc]

    def get_ordering(self, request):
        return self._visible(request, super().get_ordering(request) or ())  # type: ignore[misc]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)  # type: ignore[misc]
        masked = () if self.sees_people(request) else self.person_fields
        staff = {name for name in masked if getattr(getattr(obj, name, None), "is_staff", False)}
        hidden = self.hidden_fields(request)
        return [
            name
            for name in fields
            if name in staff or (names_field(name) not in hidden and names_field(name) not in masked)
        ]

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # Refused lookups answer 400: no query string filters on what the user cannot see.
        if request is not None and names_field(lookup) in self.hidden_fields(request):
            return False
        return super().lookup_allowed(lookup, value, request)  # type: ignore[misc]

    @admin.display(description=_("version"))
    def version(self, record) -> str:
        return self.record_label(record)

    def record_label(self, record) -> str:
        return f"{record._meta.verbose_name} {record.pk}"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        self._name_without_hidden_fields(request, response, "original", "subtitle")
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)  # type: ignore[misc]
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


def _person_column(name: str, label: Any) -> Callable[[models.Model], str]:
    @admin.display(description=label)
    def person(record: models.Model) -> str:
        someone = getattr(record, name)
        if someone is None:
            return "-"
        return str(someone) if someone.is_staff else str(_("a customer"))

    return person


class _Named:
    """A record as page titles and links use it: its primary key and a name."""

    def __init__(self, pk, name: str) -> None:
        self.pk = pk
        self.name = name

    def __str__(self) -> str:
        return self.name
