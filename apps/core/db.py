"""Statements PostgreSQL plans once per connection instead of on every call.

Django's psycopg cursors bind parameters on the client and never prepare a statement (Django
sets psycopg's ``prepare_threshold`` to None), so each call is planned again. For the API's
single consent check, planning took about 0.8 ms and running 0.1 ms on 100 000 accounts
(bench/api_consent_check.py). ``prepared_cursor()`` gives a Django cursor (query logging,
execute wrappers and error translation as usual) over a psycopg cursor that binds on the server
and prepares each statement it runs; after PostgreSQL's first five custom plans it keeps a
generic one when that is no dearer.

A statement prepared this way is a protocol-level one: it needs a direct connection, or
PgBouncer 1.22 or later with ``max_prepared_statements`` set (psycopg sends ``DEALLOCATE ALL``
when a connection that prepared statements rolls back, which PgBouncer handles from 1.22 on; so
a connection plans its statements again after each rollback). ``DATABASE_PREPARED_STATEMENTS=false``
turns it off for anything else; the statements then run as any other (README, "Production").

Parameters are bound, not spliced, so a statement must say the type of a parameter PostgreSQL
cannot infer (a bare ``SELECT %s``) with a cast.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

# psycopg prepares only when asked (``prepare=True``) below this many runs of one statement:
# a threshold of None, Django's, refuses even an explicit request.
_ONLY_WHEN_ASKED = sys.maxsize


class PreparingCursor(psycopg.Cursor):
    """Binds on the server and asks for every statement it runs to be prepared."""

    def execute(self, query, params=None, *, prepare=None, binary=None):  # type: ignore[override]
        try:
            return super().execute(query, params, prepare=True, binary=binary)
        except psycopg.errors.FeatureNotSupported:
            # "cached plan must not change result type": a migration changed a column the
            # statement reads while this connection kept it prepared. psycopg forgets a statement
            # only when its first run fails, and Django keeps a connection that still answers, so
            # every later run would fail the same way until the connection ages out. Outside a
            # transaction, forget them all and run it once more; inside one, the rollback that
            # follows makes psycopg forget them.
            if self.connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                raise
            self.connection.execute("DEALLOCATE ALL")
            return super().execute(query, params, prepare=True, binary=binary)


class PreparedDebugCursor(CursorDebugWrapper):
    """Django's query log (DEBUG, CaptureQueriesContext) for a prepared statement: Django reads
    the statement it logs back from the driver, which keeps none for a prepared run, so the
    statement as written is logged instead."""

    def execute(self, sql, params=None):
        with self.debug_sql(sql, params, use_last_executed_query=False):
            return CursorWrapper.execute(self, sql, params)


@contextmanager
def prepared_cursor() -> Iterator[Any]:
    """A cursor whose statements are prepared on PostgreSQL (an ordinary cursor elsewhere)."""
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Only our explicit requests prepare: Django's own cursors bind on the client and
        # never prepare whatever the threshold.
        raw.prepare_threshold = _ONLY_WHEN_ASKED
    with connection.wrap_database_errors:
        inner = PreparingCursor(raw)
    wrap = PreparedDebugCursor if connection.queries_logged else CursorWrapper
    cursor = wrap(inner, connection)
    with cursor:
        yield cursor
