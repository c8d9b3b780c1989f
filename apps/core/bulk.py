"""Fast multi-row inserts for seeding and benchmarks.

``bulk_create`` compiles every value through each field (about a millisecond a row
here); loaders that write hundreds of thousands of rows pass plain tuples straight to
the driver instead. Values must already be in their database form, except datetimes,
which are adapted per backend here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """INSERT ``rows`` (tuples in ``columns`` order, by column name) into ``model``'s table."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) VALUES ({placeholders})"  # noqa: S608 (names come from model metadata)
    adapt = connection.ops.adapt_datetimefield_value
    needs_adapting = connection.vendor == "sqlite"
    prepared: list[tuple[Any, ...]] = [
        tuple(adapt(v) if needs_adapting and isinstance(v, datetime) else v for v in row) for row in rows
    ]
    if not prepared:
        return 0
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)
    return len(prepared)
