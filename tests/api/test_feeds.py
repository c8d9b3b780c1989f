"""The suppression and restriction feeds: pages with a cursor, a warehouse syncs what changed."""

import contextlib
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.consent.models import Suppression
from apps.consent.services.ledger import restriction_lift, restriction_place, suppression_add
from apps.personal_data.domain import address_hash
from tests.api.conftest import is_problem
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def settled():
    """Past the feeds' safety lag: what was written so far is served."""
    return time_machine.travel(timezone.now() + timedelta(seconds=settings.API_FEED_SAFETY_LAG_SECONDS + 1))


def sync(caller, path: str, cursor: str | None = None, limit: int = 2, *, wait: bool = True) -> tuple[list, str]:
    """Follow the cursor to the end, as a warehouse does; ``wait``: after the safety lag."""
    items = []
    with settled() if wait else contextlib.nullcontext():
        while True:
            query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
            page = caller.get(path + query).json()
            items += page["items"]
            cursor = page["next_cursor"]
            if len(page["items"]) < limit:
                return items, cursor


def test_the_suppression_feed_gives_hashes_only_and_resumes_from_its_cursor(caller):
    for n in range(5):
        suppression_add(email=f"gone{n}@example.test", channel="email", reason="complaint")
    items, cursor = sync(caller, "/api/v1/suppressions")
    assert [item["email_hash"] for item in items] == [address_hash(f"gone{n}@example.test") for n in range(5)]
    assert "example.test" not in str(items)
    suppression_add(email="later@example.test", channel="email", reason="complaint")
    more, _cursor = sync(caller, "/api/v1/suppressions", cursor)
    assert [item["email_hash"] for item in more] == [address_hash("later@example.test")]


def test_the_restriction_feed_brings_a_lifted_restriction_again(caller, officer):
    people = [UserFactory() for _ in range(3)]
    placed = [restriction_place(subject=p, reason="Contested", actor=officer) for p in people]
    items, cursor = sync(caller, "/api/v1/restrictions")
    assert [item["account"] for item in items] == [str(p.reference) for p in people]
    assert all(item["in_force"] for item in items)
    restriction_lift(restriction=placed[1], actor=officer, reason="Resolved")
    more, _cursor = sync(caller, "/api/v1/restrictions", cursor)
    assert [(item["reference"], item["in_force"]) for item in more] == [(str(placed[1].reference), False)]


def test_a_feed_page_costs_a_fixed_number_of_queries(caller, officer):
    for _ in range(3):
        restriction_place(subject=UserFactory(), reason="Contested", actor=officer)

    def queries(limit):
        with CaptureQueriesContext(connection) as captured:
            assert len(caller.get(f"/api/v1/restrictions?limit={limit}").json()["items"]) == min(limit, 3)
        return len(captured)

    with settled():
        caller.get("/api/v1/restrictions")  # the key's last use noted (once a minute), the purpose cached
        assert queries(1) == queries(50)


@pytest.mark.parametrize(
    "cursor",
    [
        {"at": "2026-01-01T00:00:00+00:00", "id": 1e400},  # infinity: int() overflows
        {"at": "0001-01-01T00:00:00+05:00", "id": 1},  # before year 1 in UTC
        {"at": "2026-01-01T00:00:00", "id": 1},  # no zone
        {"at": "2026-01-01T00:00:00+00:00", "id": 2**70},  # past bigint
    ],
)
def test_a_mangled_restriction_cursor_is_a_problem_not_a_crash(caller, cursor):
    from urllib.parse import urlencode

    from apps.api.views.common import cursor_encode

    assert is_problem(caller.get("/api/v1/restrictions?" + urlencode({"cursor": cursor_encode(cursor)})), 400)


def test_a_body_over_the_size_limit_is_a_413_problem(caller):
    from django.conf import settings

    huge = '{"identifiers": ["' + "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"]}'
    assert is_problem(caller.post("/api/v1/consent/check/batch", huge), 413)


def test_a_row_committed_out_of_order_is_not_skipped(caller):
    """Two writers: the first takes its id and time, the second commits while the first is still
    open, a warehouse reads, then the first commits. Nothing may fall behind the cursor."""
    # The first writer's row, as the warehouse cannot see it yet (its transaction is open).
    first = suppression_add(email="first@example.test", channel="email", reason="complaint")
    first_fields = {f.attname: getattr(first, f.attname) for f in Suppression._meta.concrete_fields}
    first.delete()
    second = suppression_add(email="second@example.test", channel="email", reason="complaint")
    assert second.pk > first_fields["id"]
    seen, cursor = sync(caller, "/api/v1/suppressions", wait=False)  # the warehouse reads now
    assert seen == []  # nothing settled yet: serving the second would step past the first's id
    Suppression.objects.create(**first_fields)  # the first writer commits
    seen, cursor = sync(caller, "/api/v1/suppressions", cursor)  # its next run
    assert [item["email_hash"] for item in seen] == [first.address_hash, second.address_hash]


def test_a_restriction_committed_out_of_order_is_not_skipped(caller, officer):
    people = [UserFactory(), UserFactory()]
    first = restriction_place(subject=people[0], reason="Contested", actor=officer)
    model = type(first)
    hidden = model.objects.filter(pk=first.pk).values().get()  # as the warehouse cannot see it yet
    first.delete()
    restriction_place(subject=people[1], reason="Contested", actor=officer)
    seen, cursor = sync(caller, "/api/v1/restrictions", wait=False)
    assert seen == []
    model.objects.create(**hidden)  # the first writer commits, its time taken when it wrote
    model.objects.filter(pk=hidden["id"]).update(updated_at=hidden["updated_at"])  # (not auto_now's)
    seen, cursor = sync(caller, "/api/v1/restrictions", cursor)
    assert [item["account"] for item in seen] == [str(p.reference) for p in people]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_row_committed_out_of_order_by_a_real_second_connection_is_not_skipped(caller):
    """The same with two real transactions (PostgreSQL: SQLite lets one writer at a time, so it
    cannot commit out of order)."""
    import threading

    from django.db import connections, transaction

    written, commit = threading.Event(), threading.Event()

    def first_writer():
        try:
            with transaction.atomic():
                suppression_add(email="first@example.test", channel="email", reason="complaint")
                written.set()
                commit.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_writer)
    thread.start()
    assert written.wait(30)
    suppression_add(email="second@example.test", channel="email", reason="complaint")  # commits first
    seen, cursor = sync(caller, "/api/v1/suppressions", wait=False)
    commit.set()
    thread.join(30)
    more, _cursor = sync(caller, "/api/v1/suppressions", cursor)
    assert [item["email_hash"] for item in seen + more] == [
        address_hash("first@example.test"),
        address_hash("second@example.test"),
    ]
