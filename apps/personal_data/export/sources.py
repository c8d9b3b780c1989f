"""One read of each exported entry's rows, spread to every file that shows them: its share of
each category's JSON file and readable page, and its CSV table.

Reading a table once instead of once per file is what keeps the export near the raw floor
(bench/export.py): a login event is in usage.json, technical.json, both pages and
tables/sign-ins.csv. A ZIP takes one entry at a time, so each output waits in a spooled
temporary file (memory stays flat: a few hundred kilobytes each, then disk) until its entry
is written; every time value is turned into text once, for every format.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from json import encoder as json_encoder
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext as _

from apps.core.spreadsheets import SpreadsheetWriter
from apps.personal_data.export.pages import CODE, FILE, STRUCTURED, TEXT, WHEN, YES_NO, PageRows
from apps.personal_data.export.spool import Spool
from apps.personal_data.export.tables import _column_batches, _has_reference
from apps.personal_data.registry import Category, Entry, PersonalField, column

if TYPE_CHECKING:
    from apps.accounts.models import User  # the subject; AUTH_USER_MODEL at run time

JSON = DjangoJSONEncoder(ensure_ascii=False)


def _record_encoder() -> Callable[[Any], str]:
    """``JSON.encode`` for one record, without building a new C encoder for every call as
    ``JSONEncoder.encode`` does (a third of its cost on a small record). Records come from
    the database, so they cannot refer to themselves: no circular-reference markers."""
    make = getattr(json_encoder, "c_make_encoder", None)  # the C accelerator (private to json)
    if make is None:  # a Python without the C accelerator
        return JSON.encode
    encode = make(None, JSON.default, json_encoder.encode_basestring, None, ": ", ", ", False, False, True)
    return lambda record: "".join(encode(record, 0))


@dataclass
class Share:
    """An entry's part of one category: its columns, their names for people, its JSON records."""

    entry: Entry
    personal: list[PersonalField]
    columns: list[int]  # positions in the entry's full row
    keys: list[str]
    records: Spool = field(default_factory=Spool)


def exported_fields(entry: Entry) -> list[PersonalField]:
    """The fields the person receives: a keyed hash or other internal value is left out."""
    return [f for f in entry.fields if f.export]


def field_labels(entry: Entry, personal: list[PersonalField]) -> list[str]:
    """Each field's name for people (its verbose name, in the active language), unique in the row."""
    labels: list[str] = [str(_("reference"))] if _has_reference(entry) else []
    for f in personal:
        label = str(f.label or column(entry.model, f.name).verbose_name)
        labels.append(label if label not in labels else f"{label} ({f.name})")
    return labels


def _kind(model_field: models.Field) -> str:
    if isinstance(model_field, models.FileField):
        return FILE
    if isinstance(model_field, models.DateTimeField | models.DateField | models.TimeField):
        return WHEN
    if isinstance(model_field, models.BooleanField):
        return YES_NO
    if isinstance(model_field, models.JSONField):
        return STRUCTURED
    if model_field.choices:
        return CODE
    return TEXT


def _json_value(value: Any) -> str:
    return _JSON_ONE(value)


_JSON_ONE = _record_encoder()


_JSON_CONSTANTS = {True: "true", False: "false", None: "null"}
_YES_NO_TYPES = frozenset({bool, type(None)})


def _json_column(column: list[Any]) -> list[str]:
    """Each cell of a column as JSON: a column of text (most are) by the C string encoder
    alone, a column of yes/no by a lookup, found by one pass over the cells' types; any other
    by the full encoder, cell by cell."""
    types = set(map(type, column))
    if types == {str}:
        return list(map(encode_basestring, column))
    if types <= _YES_NO_TYPES:
        return list(map(_JSON_CONSTANTS.__getitem__, column))
    return list(map(_json_value, column))


def _csv_column(kind: str) -> Callable[[list[Any]], list[Any]]:
    if kind == STRUCTURED:
        return lambda column: ["" if value is None else JSON.encode(value) for value in column]
    return lambda column: column if None not in column else ["" if value is None else value for value in column]


def _record_template(keys: list[str]) -> str:
    """A JSON object with the share's keys and a ``%s`` for each value (already JSON)."""
    return "{" + ", ".join(JSON.encode(key).replace("%", "%%") + ": %s" for key in keys) + "}"


@dataclass
class Spread:
    """What one read of every exported entry produced, ready to be written into the ZIP."""

    shares: dict[Category, list[Share]] = field(default_factory=dict)
    pages: dict[Category, PageRows] = field(default_factory=dict)
    tables: list[tuple[Entry, Spool]] = field(default_factory=list)


def spread_entries(
    exported: list[Entry], subject: User, files: dict | None, empty: frozenset[str] = frozenset()
) -> Spread:
    """``empty`` names the entries known to hold nothing of the subject (tables.py's one-statement
    probe): they still get their (empty) sections, without a query each."""
    spread = Spread()
    for entry in exported:
        personal = exported_fields(entry)
        if personal:
            _spread_entry(spread, entry, personal, subject, files, empty)
    return spread


def _spread_entry(
    spread: Spread, entry: Entry, personal: list[PersonalField], subject: User, files, empty: frozenset[str]
) -> None:
    labels = field_labels(entry, personal)
    offset = len(labels) - len(personal)
    kinds = [TEXT] * offset + [CODE if f.seeded_text else _kind(column(entry.model, f.name)) for f in personal]
    mine: list[tuple[Share, PageRows]] = []
    for category in Category:
        wanted = [offset + i for i, f in enumerate(personal) if f.category == category]
        if not wanted:
            continue
        columns = list(range(offset)) + wanted
        share = Share(
            entry=entry,
            personal=[personal[i - offset] for i in wanted],
            columns=columns,
            keys=[labels[i] for i in columns],
        )
        page = spread.pages.setdefault(category, PageRows())
        page.section(
            title=entry.person_title,
            purpose=str(entry.purpose),
            labels=share.keys,
            kinds=[kinds[i] for i in columns],
        )
        spread.shares.setdefault(category, []).append(share)
        mine.append((share, page))
    table = Spool() if entry.tabular else None
    # The CSV writer writes a row at a time: into memory, handed to the spool a chunk at a time.
    buffer = io.StringIO()
    writer = SpreadsheetWriter(buffer) if table is not None else None
    if writer is not None:
        writer.writerow(labels)
    csv_columns = [_csv_column(kind) for kind in kinds]
    templates = [_record_template(share.keys) for share, _page in mine]
    # A chunk of rows at a time, as columns (export/tables.py): each column is converted,
    # encoded or formatted once per chunk by a function chosen once per column, and the rows of
    # each output are put together by one format string.
    for batch in _column_batches(entry, subject, personal, files, empty):
        encoded: dict[int, list[str]] = {}
        for (share, page), template in zip(mine, templates, strict=True):
            part = [batch[i] for i in share.columns]
            for i in share.columns:
                if i not in encoded:
                    encoded[i] = _json_column(batch[i])
            records = list(map(template.__mod__, zip(*(encoded[i] for i in share.columns), strict=True)))
            share.records.write(("," if share.records.records else "") + "\n  " + ",\n  ".join(records))
            share.records.records += len(records)
            page.rows(part)
        if writer is not None:
            writer.write_columns([convert(column) for convert, column in zip(csv_columns, batch, strict=True)])
            table.write(buffer.getvalue())  # type: ignore[union-attr]
            buffer.seek(0)
            buffer.truncate()
            table.records += len(batch[0])  # type: ignore[union-attr]
    for _share, page in mine:
        page.end_section(none=_("Nothing of this kind is recorded about you."))
    if table is not None:
        table.write(buffer.getvalue())  # the header of a table with no rows
        spread.tables.append((entry, table))
