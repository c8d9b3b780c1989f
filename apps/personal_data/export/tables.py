"""The subject's rows of each exported registry entry: registered personal fields only (plus
the row's opaque reference), read in chunks, other people shown only as the accounts app allows
(registry.people_labels)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, models
from django.db.models.sql.constants import MULTI
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


Column = list[Any]


def _iso(value: Any) -> Any:
    return None if value is None else value.isoformat()


def _sqlite_time(value: Any) -> Any:
    """A time as SQLite gives it (naive UTC, parsed by the driver, or its text) straight to ISO
    8601 with its offset, without Django's conversion layers in between."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.isoformat() + "+00:00"
    return value.isoformat()


_YES_NO = frozenset({bool, type(None)})


def _column_converter(
    model_field: models.Field, found: list[Callable] | None, expression: Any, connection: Any
) -> Callable[[Column], Column] | None:
    """How one column read raw from the database becomes what every format shows: the
    backend's and field's conversions (as Django applies them), then times as ISO 8601 text and
    UUIDs as text. Chosen once per column; the common cases skip the conversions' Python layers."""
    plain_utc = connection.vendor == "sqlite" and str(connection.timezone) == "UTC" and settings.USE_TZ
    if isinstance(model_field, models.DateTimeField) and plain_utc and not hasattr(model_field, "from_db_value"):
        return lambda column: [
            v.isoformat() + "+00:00" if type(v) is datetime and v.tzinfo is None else _sqlite_time(v) for v in column
        ]
    if isinstance(model_field, models.BooleanField) and connection.vendor == "sqlite" and found:
        # The driver already gives True/False (a column of them needs nothing more).
        convert = _django_column(found, expression, connection)
        return lambda column: column if set(map(type, column)) <= _YES_NO else convert(column)
    steps: list[Callable[[Any], Any]] = []
    if found:
        steps.append(partial(_django_converted, found, expression, connection))
    if isinstance(model_field, models.DateTimeField | models.DateField | models.TimeField):
        steps.append(_iso)
    elif isinstance(model_field, models.UUIDField):
        steps.append(lambda v: None if v is None else str(v))
    if not steps:
        return None
    if len(steps) == 1:
        return lambda column: list(map(steps[0], column))
    first, second = steps
    return lambda column: [second(first(value)) for value in column]


def _django_column(found: list[Callable], expression: Any, connection: Any) -> Callable[[Column], Column]:
    convert = partial(_django_converted, found, expression, connection)
    return lambda column: list(map(convert, column))


def _django_converted(found: list[Callable], expression: Any, connection: Any, value: Any) -> Any:
    for convert in found:
        value = convert(value, expression, connection)
    return value


def _column_batches(
    entry: Entry,
    subject: User,
    personal: list[PersonalField],
    files: Mapping[tuple[str, str, str], Any] | None = None,
    empty: Collection[str] = (),
) -> Iterator[list[Column]]:
    """The subject's rows of ``entry``, a chunk at a time, as columns: the given personal
    fields' values (after the reference, where the model has one), in pk order, each column
    already as every format shows it (times as ISO 8601 text, UUIDs as text, other people as
    the accounts app allows, stored files as their path in the ZIP).

    ``files`` maps (model label, field, stored name) to the file's path in the ZIP (see
    export/files.py): a file field then names the copy the person has, not the storage's name.
    ``empty`` names the entries known to hold nothing of the subject (not queried again).

    Rows are read raw (values_list's query through its compiler, a server-side cursor where the
    database has one) and converted column by column with a conversion chosen once per column:
    at a hundred thousand rows the per-value layers of a model iterator cost more than the read.
    """
    if entry.label in empty:
        return
    model = entry.model
    columns: list[str] = ["reference"] if _has_reference(entry) else []
    model_fields: list[models.Field] = [model._meta.get_field("reference")] if columns else []  # type: ignore[list-item]
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
        model_fields.append(model_field)  # type: ignore[arg-type]
    queryset = model._default_manager.filter(entry.subject_q(subject)).order_by("pk").values_list(*columns)
    connection = connections[queryset.db]
    compiler = queryset.query.get_compiler(queryset.db)
    results = compiler.execute_sql(
        MULTI,
        chunked_fetch=not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"),
        chunk_size=CHUNK_SIZE,
    )
    selected = [s[0] for s in compiler.select[0 : compiler.col_count]]
    django_converters = compiler.get_converters(selected)
    converters: list[tuple[int, Callable[[Column], Column]]] = []
    labelled = {index for index, _field in fks}
    for index, model_field in enumerate(model_fields):
        found, expression = django_converters.get(index, (None, None))
        if index in labelled:
            # An id, made a label below: only the backend's own conversions apply to it.
            convert = _django_column(found, expression, connection) if found else None
        else:
            convert = _column_converter(model_field, found, expression, connection)
        if convert is not None:
            converters.append((index, convert))
    for batch in _batches(results, CHUNK_SIZE):
        if not batch:
            continue
        table: list[Column] = [list(column) for column in zip(*batch, strict=True)]
        for index, convert in converters:
            table[index] = convert(table[index])
        for index, model_field in fks:
            column = table[index]
            found_labels = _related_labels(model_field, {v for v in column if v is not None}, subject)
            table[index] = [None if v is None else found_labels.get(v, "") for v in column]
        for index, name in stored:
            key = entry.label
            table[index] = [files.get((key, name, v)) if v else v for v in table[index]]  # type: ignore[union-attr]
        yield table


def _batches(results: Iterable[list[tuple]], size: int) -> Iterator[list[tuple]]:
    """The cursor's fetches gathered into lists of ``size`` rows (the last one shorter)."""
    batch: list[tuple] = []
    for fetched in results:
        batch.extend(fetched)
        while len(batch) >= size:
            yield batch[:size]
            batch = batch[size:]
    if batch:
        yield batch
