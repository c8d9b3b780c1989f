"""Prepared statements (apps/core/db.py): PostgreSQL plans a statement once per connection, the
statement still shows in Django's query log, and the setting turns it off."""

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from apps.api.services import api_call_log
from apps.core.db import prepared_cursor

pytestmark = pytest.mark.django_db
PROBE = "SELECT CAST(%s AS integer) + 1 AS prepared_probe"


def prepared_runs() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%prepared_probe%"],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def probe(value: int) -> int:
    with prepared_cursor() as cursor:
        cursor.execute(PROBE, [value])
        return cursor.fetchone()[0]


@pytest.mark.postgresql
def test_a_statement_is_prepared_once_and_run_again_without_planning():
    with CaptureQueriesContext(connection) as captured:
        assert [probe(n) for n in (1, 2, 3)] == [2, 3, 4]
    assert prepared_runs() == 3  # one prepared statement, run three times
    assert sum("prepared_probe" in query["sql"] for query in captured.captured_queries) == 3


@pytest.mark.postgresql
def test_the_setting_turns_preparing_off(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    assert probe(41) == 42
    assert prepared_runs() is None


def test_elsewhere_the_cursor_is_an_ordinary_one(settings):
    # SQLite, or PostgreSQL with the setting off: the same statement, bound as usual.
    settings.DATABASE_PREPARED_STATEMENTS = False
    assert probe(1) == 2


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_call_logged_outside_a_transaction_is_written_with_or_without_a_client():
    from apps.api.models import ApiCall

    api_call_log(client_id=None, endpoint="consent_check", method="POST", status=401, duration_ms=3)
    api_call_log(client_id=None, endpoint="consent_check", method="POST", status=429, duration_ms=4)
    assert sorted(ApiCall.objects.values_list("status", "duration_ms")) == [(401, 3), (429, 4)]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_column_changed_under_a_prepared_statement_is_planned_again():
    """A migration changing a column a prepared statement reads, on another connection (a
    rolling deploy): the next run on this kept connection still answers."""

    def read():
        with prepared_cursor() as cursor:
            cursor.execute("SELECT label FROM prepared_probe_rows WHERE label = %s", ["first"])
            return cursor.fetchall()

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE prepared_probe_rows (label varchar(10))")
        cursor.execute("INSERT INTO prepared_probe_rows VALUES ('first')")
    migrating = connections.create_connection("default")
    try:
        assert read() == read() == [("first",)]  # prepared, then run again
        with migrating.cursor() as cursor:
            cursor.execute("ALTER TABLE prepared_probe_rows ALTER COLUMN label TYPE varchar(20)")
        assert read() == read() == [("first",)]
    finally:
        migrating.close()
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE prepared_probe_rows")
