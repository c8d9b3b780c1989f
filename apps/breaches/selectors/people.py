"""Finding the people a breach affected, through the personal-data registry.

A selection names data categories and/or registered models, an optional time window, and/or
accounts an officer listed. Every registered model that matches, and whose rows reach their
person by a plain path, becomes one ``id IN (SELECT <path to the user> FROM <table> WHERE <time
window>)``; the set is their union with the listed accounts. Counting it by jurisdiction and
language is one ``GROUP BY`` over that query (bench/breach_affected.py measures it against the
same SQL written by hand).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.breaches.models import AffectedSet, Breach
from apps.personal_data.domain import EEA
from apps.personal_data.registry import Category, Entry, entries

# The column a model's rows are dated by, first match wins; else its first date-time column.
TIME_FIELDS = ("occurred_at", "started_at", "recorded_at", "sent_at", "uploaded_at", "created_at", "date_joined")


@dataclass(frozen=True)
class Selection:
    categories: tuple[str, ...] = ()
    models: tuple[str, ...] = ()  # registry labels, e.g. "accounts.User"
    since: datetime | None = None
    until: datetime | None = None
    account_ids: tuple[int, ...] = field(default=())  # listed by the officer (CSV upload), already resolved

    def is_empty(self) -> bool:
        return not (self.categories or self.models or self.account_ids)


@dataclass(frozen=True)
class Found:
    people: QuerySet[User]
    query: dict  # what was searched, how, and what could not be: recorded with the frozen set


def _time_field(model: type[models.Model]) -> str:
    names = {f.name: f for f in model._meta.concrete_fields}
    for name in TIME_FIELDS:
        if isinstance(names.get(name), models.DateTimeField):
            return name
    for f in model._meta.concrete_fields:
        if isinstance(f, models.DateTimeField):
            return f.name
    return ""


def matching_entries(selection: Selection) -> list[Entry]:
    wanted_models = set(selection.models)
    wanted_categories = set(selection.categories)
    if not (wanted_models or wanted_categories):
        return []
    found = []
    for entry in entries():
        if wanted_models and entry.label not in wanted_models:
            continue
        if wanted_categories and not wanted_categories & set(entry.categories()):
            continue
        found.append(entry)
    return found


def validate_selection(selection: Selection) -> None:
    errors = []
    known_models = {entry.label for entry in entries()}
    unknown_models = sorted(set(selection.models) - known_models)
    if unknown_models:
        errors.append(_("Not in the personal-data registry: %(models)s.") % {"models": ", ".join(unknown_models)})
    unknown_categories = sorted(set(selection.categories) - set(Category.values))
    if unknown_categories:
        errors.append(_("Unknown data categories: %(names)s.") % {"names": ", ".join(unknown_categories)})
    if selection.since and selection.until and selection.until < selection.since:
        errors.append(_("The time window ends before it begins."))
    if selection.is_empty():
        errors.append(_("Choose data categories or records, or list the accounts affected."))
    if errors:
        raise ValidationError(errors)


def affected_people(selection: Selection) -> Found:
    """The accounts the selection reaches, as one query, and the record of how it was built."""
    validate_selection(selection)
    condition = Q(pk__in=list(selection.account_ids)) if selection.account_ids else Q(pk__in=[])
    searched, skipped = [], []
    for entry in matching_entries(selection):
        if not isinstance(entry.subject, str):
            # A subject found by a function of one person (follows both ways, log entries)
            # cannot be asked for everyone at once; the officer is told, and may list them.
            skipped.append(entry.label)
            continue
        rows = entry.model._base_manager.all()
        time_field = _time_field(entry.model) if (selection.since or selection.until) else ""
        if time_field and selection.since:
            rows = rows.filter(**{f"{time_field}__gte": selection.since})
        if time_field and selection.until:
            rows = rows.filter(**{f"{time_field}__lt": selection.until})
        path = (
            f"{entry.subject}_id"
            if entry.subject and "__" not in entry.subject
            else (f"{entry.subject}__pk" if entry.subject else "pk")
        )
        condition |= Q(pk__in=rows.values(path))
        searched.append({"model": entry.label, "time_field": time_field, "subject": entry.subject or "(the account)"})
    query = {
        "categories": sorted(selection.categories),
        "models": sorted(selection.models),
        "since": selection.since.isoformat() if selection.since else None,
        "until": selection.until.isoformat() if selection.until else None,
        "listed_accounts": len(selection.account_ids),
        "searched": searched,
        "not_searchable": skipped,
    }
    return Found(people=User.objects.filter(condition), query=query)


def jurisdiction_expression() -> Case:
    """An account's jurisdiction code from its country, in SQL: the same guess as a subject
    request's (apps.subject_requests.selectors.jurisdictions.jurisdiction_for)."""
    default = getattr(settings, "SUBJECT_REQUESTS_DEFAULT_JURISDICTION", "uk")
    return Case(
        When(country="GB", then=Value("uk")),
        When(country__in=sorted(EEA), then=Value("eu")),
        When(country="VN", then=Value("vn")),
        When(country="US", then=Value("us-ca")),
        default=Value(default),
        output_field=models.CharField(),
    )


def affected_counts(people: QuerySet[User]) -> dict:
    """Counts by jurisdiction and by language, in one query."""
    rows = (
        people.order_by()
        .annotate(jurisdiction=jurisdiction_expression())
        .values("jurisdiction", "preferred_language")
        .annotate(n=Count("pk"))
    )
    by_jurisdiction: dict[str, int] = {}
    by_language: dict[str, int] = {}
    for row in rows:
        by_jurisdiction[row["jurisdiction"]] = by_jurisdiction.get(row["jurisdiction"], 0) + row["n"]
        language = row["preferred_language"] or settings.LANGUAGE_CODE
        by_language[language] = by_language.get(language, 0) + row["n"]
    return {
        "total": sum(by_jurisdiction.values()),
        "by_jurisdiction": dict(sorted(by_jurisdiction.items())),
        "by_language": dict(sorted(by_language.items())),
    }


def latest_affected_set(breach: Breach) -> AffectedSet | None:
    return AffectedSet.objects.filter(breach=breach).order_by("-frozen_at", "-pk").first()
