"""The subject's rows of each exported registry entry: registered personal fields only (plus
the row's opaque reference), read in chunks, other people shown only as the accounts app allows
(registry.people_labels)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import translation
from django.utils.text import slugify

from apps.personal_data.registry import Entry, PersonalField, entries, people_labels
from apps.personal_data.registry.probe import Probe, phases_with_rows

if TYPE_CHECKING:
    from apps.accounts.models import User  # the subject; AUTH_USER_MODEL at run time

CHUNK_SIZE = 2000


def _exported_entries() -> list[Entry]:
    return sorted((e for e in entries() if e.export), key=lambda e: e.label)


def export_stem(entry: Entry) -> str:
    """The rows' file name in words (``sign-ins``), never the table's: the declared one, else the
    model's plural name in English, so a name does not change with the person's language."""
    if entry.export_name:
        return entry.export_name
    with translation.override("en"):
        return slugify(str(entry.model._meta.verbose_name_plural)) or "records"


def _empty_entries(exported: list[Entry], subject: User) -> frozenset[str]:
    """The exported entries that hold no row of ``subject``, found with one statement
    (apps/personal_data/registry/probe.py): most of the registry's tables are empty for most people,
    and each would otherwise cost a query per category and one for its CSV."""

    def rows_of(entry: Entry) -> Callable[[Any], models.QuerySet]:
        return lambda someone: entry.model._default_manager.filter(entry.subject_q(someone))

    probes = [Probe(entry.label, "export", rows_of(entry), by_key=entry.subject_by_key) for entry in exported]
    found = phases_with_rows(probes, subject)
    return frozenset(entry.label for entry in exported if (entry.label, "export") not in found)


def _has_reference(entry: Entry) -> bool:
    return any(f.name == "reference" for f in entry.model._meta.concrete_fields)


def _chunks(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _related_labels(model_field: models.ForeignKey, ids: set, subject: User) -> dict:
    related = model_field.related_model
    if related is get_user_model():
        # Other people are not the subject's data (GDPR Art. 15(4)): the accounts app says how
        # they may appear (registry.people_labels).
        labels = people_labels(ids - {subject.pk}, subject)
        if subject.pk in ids:
            labels[subject.pk] = str(subject)
        return labels
    key = model_field.target_field.name
    return {getattr(obj, key): str(obj) for obj in related._default_manager.filter(**{f"{key}__in": ids})}


def _rows(
    entry: Entry,
    subject: User,
    personal: list[PersonalField],
    files: Mapping[tuple[str, str, str], Any] | None = None,
    empty: Collection[str] = (),
) -> Iterator[list[Any]]:
    """The subject's rows of ``entry``: the given personal fields' values (after the reference,
    where the model has one), in pk order.

    ``files`` maps (model label, field, stored name) to the file's path in the ZIP (see
    export/files.py): a file field then names the copy the person has, not the storage's name.
    ``empty`` names the entries known to hold nothing of the subject (not queried again).
    """
    if entry.label in empty:
        return
    model = entry.model
    columns: list[str] = ["reference"] if _has_reference(entry) else []
    fks: list[tuple[int, models.ForeignKey]] = []
    stored: list[tuple[int, str]] = []
    for personal_field in personal:
        model_field = model._meta.get_field(personal_field.name)
        if isinstance(model_field, models.FileField) and files is not None:
            stored.append((len(columns), personal_field.name))
        if model_field.many_to_one or model_field.one_to_one:
            fks.append((len(columns), model_field))  # type: ignore[arg-type]
            columns.append(model_field.attname)  # type: ignore[union-attr]
        else:
            columns.append(personal_field.name)
    queryset = model._default_manager.filter(entry.subject_q(subject)).order_by("pk").values_list(*columns)
    for batch in _chunks(queryset.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        labels = {
            index: _related_labels(model_field, {row[index] for row in batch if row[index] is not None}, subject)
            for index, model_field in fks
        }
        for row in batch:
            values = list(row)
            for index, found in labels.items():
                if values[index] is not None:
                    values[index] = found.get(values[index], "")
            for index, name in stored:
                if values[index]:
                    values[index] = files.get((entry.label, name, values[index]))  # type: ignore[union-attr]
            yield values
