"""The field-level view rule as the admin reads it: which fields of a model a user may not see.

What each staff role may see is declared per personal field in the personal-data registry
(apps/personal_data/registry/__init__.py, ``Viewer``); the accounts app knows the roles and supplies
the rule (its AppConfig.ready), since core sits below both. Until a rule is registered every
column but simple-history's own is hidden: the admin fails closed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models

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
