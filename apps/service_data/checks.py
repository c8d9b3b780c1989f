"""A system check that no card number is stored (the policies promise the processor keeps them).

Tagged ``database``: Django runs it only when asked to look at a database
(``manage.py check --database default``, which the deployment's pre-flight runs), since it
reads rows. It scans the billing tables' text columns and every text column the
personal-data registry files as financial or communications data, live rows and their
history, and fails naming the table, the column and the row's key (never the value).
The services refuse such values on write (apps/service_data/models/billing.py); this finds
what came in some other way (a bulk import, a raw SQL fix, an older version).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import DatabaseError, models

from apps.core.cards import card_number_in
from apps.personal_data.registry import Category, entries
from apps.service_data.models import Invoice, Payment
from apps.service_data.models.billing import INVOICE_TEXT_FIELDS, PAYMENT_TEXT_FIELDS

SCANNED_CATEGORIES = {Category.FINANCIAL, Category.COMMUNICATIONS}
# A cheap filter the database can run (the same syntax in SQLite's REGEXP and PostgreSQL's ~):
# at least 13 digits with at most one space or dash between them. Python's Luhn check then
# decides on the few rows it lets through.
CANDIDATE_REGEX = r"[0-9]([ -]?[0-9]){12}"
# Enough to act on; a table full of them needs one fix, not a thousand lines.
MAX_REPORTED_PER_COLUMN = 5


def _text_columns() -> Iterator[tuple[type[models.Model], list[str]]]:
    """(model, text columns) to scan: the billing tables' and the registry's financial and
    communications text, each model with its history model."""
    wanted: dict[type[models.Model], set[str]] = {Invoice: set(INVOICE_TEXT_FIELDS), Payment: set(PAYMENT_TEXT_FIELDS)}
    for entry in entries():
        for personal_field in entry.fields:
            if personal_field.category not in SCANNED_CATEGORIES:
                continue
            try:
                model_field = entry.model._meta.get_field(personal_field.name)
            except FieldDoesNotExist:
                continue  # a registry mistake, which the registry's own check reports
            if isinstance(model_field, models.CharField | models.TextField) and not model_field.choices:
                wanted.setdefault(entry.model, set()).add(model_field.name)
    for model, names in wanted.items():
        yield model, sorted(names)
        history = getattr(model, "history", None)
        if history is not None:
            yield history.model, sorted(names)


def _offending_rows(model: type[models.Model], name: str, alias: str) -> Iterable[object]:
    rows = (
        model._base_manager.using(alias)
        .filter(**{f"{name}__regex": CANDIDATE_REGEX})
        .values_list("pk", name)
        .order_by("pk")
    )
    found = 0
    for pk, value in rows.iterator(chunk_size=2000):
        if card_number_in(value):
            yield pk
            found += 1
            if found >= MAX_REPORTED_PER_COLUMN:
                return


@checks.register(checks.Tags.database)
def check_no_card_numbers(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for alias in databases or []:
        for model, names in _text_columns():
            for name in names:
                try:
                    keys = list(_offending_rows(model, name, alias))
                except DatabaseError:
                    continue  # not migrated yet: nothing stored to check
                if keys:
                    errors.append(
                        checks.Error(
                            f"{model._meta.db_table}.{name} holds what looks like a payment card number "
                            f"(rows {', '.join(str(k) for k in keys)}"
                            f"{' and possibly more' if len(keys) >= MAX_REPORTED_PER_COLUMN else ''}).",
                            hint=(
                                "Card numbers must never be stored: keep only the payment processor's reference "
                                "and the card's brand and last four digits. Remove the value (and its history) "
                                "and find how it got in."
                            ),
                            obj=model,
                            id="service_data.E001",
                        )
                    )
    return errors
