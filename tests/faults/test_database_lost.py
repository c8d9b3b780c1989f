"""The database lost in the middle of a request (PostgreSQL: the request's own connection
terminated by the server, as a restart or failover does; SQLite: the connection starts
refusing writes, as a full or read-only disk does): the customer gets a clear 503 page, not
a 500, and nothing is half written. The next request works again."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client

from apps.core.models import Job
from apps.subject_requests.models import SubjectRequest
from tests.helpers import reauthenticate, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _cut_the_connection() -> None:
    if connection.vendor == "postgresql":
        import psycopg

        pid = connection.connection.info.backend_pid
        s = connection.settings_dict
        with psycopg.connect(
            host=s["HOST"] or "127.0.0.1",
            port=s["PORT"] or 5432,
            user=s["USER"],
            password=s["PASSWORD"] or None,
            dbname=s["NAME"],
            autocommit=True,
        ) as other:
            assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
    else:
        connection.cursor().execute("PRAGMA query_only = ON")


@contextmanager
def database_lost_after_saving(model):
    """The database goes away right after the request's first write of ``model``, before the
    rest of the same transaction (the request's job, its history) is written."""

    def cut(sender, **kwargs) -> None:
        post_save.disconnect(cut, sender=model)
        _cut_the_connection()

    post_save.connect(cut, sender=model, weak=False)
    try:
        yield
    finally:
        post_save.disconnect(cut, sender=model)
        if connection.vendor == "sqlite" and connection.connection is not None:
            connection.cursor().execute("PRAGMA query_only = OFF")


def test_a_request_that_loses_the_database_midway_gets_a_clear_503_and_writes_nothing(customer):
    client = Client(raise_request_exception=False)
    reauthenticate(sign_in(client, customer))

    with database_lost_after_saving(SubjectRequest):
        response = client.post("/account/requests/new/access/", {"details": "All of it"})

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "nothing you sent was saved" in response.content.decode()
    connection.close()  # this test's own connection may be the one that was cut
    assert not SubjectRequest.objects.exists()
    assert not Job.objects.exists()
    assert not SubjectRequest.history.exists()

    # The database is back (Django opens a new connection): the same form goes through.
    response = client.post("/account/requests/new/access/", {"details": "All of it"})
    assert response.status_code == 302
    assert SubjectRequest.objects.filter(subject=customer).count() == 1
    assert Job.objects.filter(kind=SubjectRequest.ACKNOWLEDGEMENT_JOB_KIND).count() == 1
