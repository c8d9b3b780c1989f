"""System checks: every model holding personal data is registered or exempted with a reason, and
every registered field says which staff roles may see it, its legal basis and how long it is kept."""

from __future__ import annotations

import re

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import models

from apps.personal_data.registry import CATEGORY_VIEWERS, Category, Entry, entries, is_covered

# Field names that obviously hold personal data.
PERSONAL_NAME = re.compile(r"(^|_)(e?mail|phone|ip|ip_address|name|address|user_agent|uid|birth|dob)($|_)")


def looks_personal(model: type[models.Model]) -> list[str]:
    reasons = []
    user_model = settings.AUTH_USER_MODEL
    for f in model._meta.get_fields():
        if not f.concrete:
            continue
        if (f.many_to_one or f.one_to_one) and f.related_model is not None:
            if f.related_model._meta.label == user_model:
                reasons.append(f"{f.name} points at the user")
        elif isinstance(f, models.TextField):
            reasons.append(f"{f.name} is free text")
        elif isinstance(f, models.GenericIPAddressField) or PERSONAL_NAME.search(f.name):
            reasons.append(f"{f.name} looks personal")
    return reasons


@checks.register(checks.Tags.models)
def check_personal_data_registry(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    # Auto-created many-to-many tables count: a row there links a person to something.
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed or is_covered(model):
            continue
        reasons = looks_personal(model)
        if reasons:
            errors.append(
                checks.Error(
                    f"{model._meta.label} holds personal data ({'; '.join(reasons)}) but is not in the registry.",
                    hint="Register it in its app's personal_data.py, or exempt it there with a reason.",
                    obj=model,
                    id="personal_data.E001",
                )
            )
    for entry in entries():
        field_names = {f.name for f in entry.model._meta.get_fields()}
        for personal_field in entry.fields:
            if personal_field.name not in field_names:
                errors.append(
                    checks.Error(
                        f"{entry.label}.{personal_field.name} is registered but does not exist.",
                        obj=entry.model,
                        id="personal_data.E002",
                    )
                )
    return errors


def field_view_rule_errors(
    registered: list[Entry], category_viewers: dict[str, frozenset] = CATEGORY_VIEWERS
) -> list[checks.CheckMessage]:
    """Every registered field is declared to some staff (by its category or its own ``seen_by``):
    a field no one is declared for would be hidden even from the officers who answer for it,
    and a new category would come without anyone deciding who sees it."""
    errors: list[checks.CheckMessage] = [
        checks.Error(
            f"The data category {category.value!r} does not say which staff roles may see it.",
            hint="Add it to CATEGORY_VIEWERS in apps/personal_data/registry/__init__.py.",
            id="personal_data.E003",
        )
        for category in Category
        if category not in category_viewers
    ]
    for entry in registered:
        for personal_field in entry.fields:
            declared = (
                personal_field.seen_by
                if personal_field.seen_by is not None
                else category_viewers.get(personal_field.category)
            )
            if not declared:
                errors.append(
                    checks.Error(
                        f"{entry.label}.{personal_field.name} does not say which staff roles may see it.",
                        hint="Declare its category in CATEGORY_VIEWERS, or give the field seen_by=….",
                        obj=entry.model,
                        id="personal_data.E004",
                    )
                )
    return errors


@checks.register(checks.Tags.models)
def check_field_view_rule(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return field_view_rule_errors(entries())


def legal_basis_errors(registered: list[Entry]) -> list[checks.CheckMessage]:
    """Every personal field says on what legal basis it is processed and how long it is kept:
    the record of processing (Art. 30) and the access answer (Art. 15) print both for each."""
    errors: list[checks.CheckMessage] = []
    for entry in registered:
        for personal_field in entry.fields:
            missing = [
                name
                for name, value in (
                    ("legal_basis", personal_field.legal_basis),
                    ("retention", personal_field.retention),
                )
                if not value
            ]
            if missing:
                errors.append(
                    checks.Error(
                        f"{entry.label}.{personal_field.name} has no {' and no '.join(missing)}.",
                        hint="Give register() a legal_basis and a retention for the model, or the field its own.",
                        obj=entry.model,
                        id="personal_data.E005",
                    )
                )
    return errors


@checks.register(checks.Tags.models)
def check_legal_basis(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return legal_basis_errors(entries())
