"""Benchmark: building a campaign audience, against a hand-written SQL floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/privacy_portal_bench \\
        .venv/bin/python bench/consent_audience.py [--subjects 1000000]

``subjects`` accounts are loaded; 60% switched the newsletter on, 5% of those have a
suppressed address and 1% a processing restriction. Then, streamed with flat memory:
  selector  apps.consent.selectors.marketing.campaign_audience(newsletter), ids and addresses
  floor     one hand-written SELECT with the same joins, read with a server-side cursor
Target: the selector within 2x of the floor, in one query, with a flat Python heap.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='portal-bench-')}/bench.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import IntegrityError, connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.consent.models import ConsentEvent, ConsentState, ProcessingRestriction, Purpose, Suppression  # noqa: E402
from apps.consent.selectors.marketing import campaign_audience  # noqa: E402
from apps.core.bulk import insert_rows  # noqa: E402

BATCH = 20_000
DOMAIN = "audience.bench.example"


def clear() -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(ConsentState._meta.db_table)}")
        cursor.execute(f"DELETE FROM {quote(ConsentEvent._meta.db_table)}")
        cursor.execute(f"DELETE FROM {quote(Suppression._meta.db_table)}")
    try:
        # The loaded accounts hold only what load() wrote, so plain DELETEs clear them: the ORM's
        # cascade (a history row per account, SET NULL on every table that points at one) took
        # minutes for 100 000. If anything else came to point at them, the database refuses
        # and the ORM does it properly.
        user_table, restriction_table = quote(User._meta.db_table), quote(ProcessingRestriction._meta.db_table)
        through = quote(ProcessingRestriction.purposes.through._meta.db_table)
        restrictions = f"SELECT r.id FROM {restriction_table} r JOIN {user_table} u ON u.id = r.subject_id"
        restrictions += " WHERE u.email LIKE %s"
        with transaction.atomic(), connection.cursor() as cursor:
            pattern = [f"%@{DOMAIN}"]
            cursor.execute(f"DELETE FROM {through} WHERE processingrestriction_id IN ({restrictions})", pattern)
            cursor.execute(f"DELETE FROM {restriction_table} WHERE id IN ({restrictions})", pattern)
            cursor.execute(f"DELETE FROM {user_table} WHERE email LIKE %s", pattern)
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # refused here, inside the atomic block
    except IntegrityError:
        ProcessingRestriction.objects.filter(subject__email__endswith=DOMAIN).delete()
        User.objects.filter(email__endswith=DOMAIN).delete()


def load(subjects: int, newsletter: Purpose, officer: User) -> None:
    now = timezone.now()
    user_columns = (
        "password", "is_superuser", "reference", "email", "email_hash", "full_name", "phone", "mailing_address",
        "profile_picture", "preferred_language", "country", "status", "is_staff", "is_active", "date_joined",
    )  # fmt: skip
    event_columns = (
        "reference", "subject_id", "subject_reference", "visitor_id", "purpose_id", "granted", "method", "language",
        "text_hash", "source_page", "user_agent", "actor_label", "recorded_at",
    )  # fmt: skip
    text_hash = newsletter.text_hash("en")
    as_uuid = (lambda value: value) if connection.vendor != "sqlite" else (lambda value: value.hex)
    for start in range(0, subjects, BATCH):
        numbers = range(start, min(subjects, start + BATCH))
        with transaction.atomic():
            insert_rows(
                User,
                user_columns,
                (
                    (
                        "!",
                        False,
                        as_uuid(uuid.uuid4()),
                        f"s{i:07d}@{DOMAIN}",
                        f"{i:064x}",
                        "",
                        "",
                        "",
                        "",
                        "en",
                        "GB",
                        "active",
                        False,
                        True,
                        now,
                    )
                    for i in numbers
                ),
            )
            ids = dict(
                User.objects.filter(
                    email__endswith=DOMAIN, email__gte=f"s{start:07d}@", email__lt=f"s{start + BATCH:07d}@"
                ).values_list("email", "pk")
            )
            consenting = [(i, ids[f"s{i:07d}@{DOMAIN}"]) for i in numbers if i % 10 < 6]
            insert_rows(
                ConsentEvent,
                event_columns,
                (
                    (
                        as_uuid(uuid.uuid4()),
                        pk,
                        f"{i:064x}",
                        "",
                        newsletter.pk,
                        True,
                        "account_page",
                        "en",
                        text_hash,
                        "/account/privacy-choices/",
                        "bench",
                        "",
                        now,
                    )
                    for i, pk in consenting
                ),
            )
            events = dict(
                ConsentEvent.objects.filter(subject_id__in=[pk for _, pk in consenting]).values_list("subject_id", "pk")
            )
            insert_rows(
                ConsentState,
                ("subject_id", "visitor_id", "purpose_id", "granted", "method", "changed_at", "last_event_id"),
                ((pk, "", newsletter.pk, True, "account_page", now, events[pk]) for _, pk in consenting),
            )
            insert_rows(
                Suppression,
                ("address_hash", "channel", "purpose_code", "reason", "created_at"),
                (
                    (f"{i:064x}", "email", "newsletter" if i % 40 == 1 else "", "unsubscribe", now)
                    for i, _ in consenting
                    if i % 20 == 1
                ),
            )
            ProcessingRestriction.objects.bulk_create(
                ProcessingRestriction(subject_id=pk, reason="bench", placed_by=officer)
                for i, pk in consenting
                if i % 100 == 3
            )
    if connection.vendor == "postgresql":
        # Statistics, as autovacuum would have gathered on a real database: freshly loaded tables
        # without them get plans for a handful of rows (a single check hashed all 60 000 states).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


FLOOR_SQL = """
SELECT u.id, u.email FROM accounts_user u
JOIN consent_consentstate s ON s.subject_id = u.id AND s.purpose_id = %s AND s.granted
WHERE u.is_active AND u.status = 'active'
  AND NOT EXISTS (
    SELECT 1 FROM consent_processingrestriction r
    LEFT JOIN consent_processingrestriction_purposes rp ON rp.processingrestriction_id = r.id
    WHERE r.subject_id = u.id AND r.lifted_at IS NULL AND (rp.purpose_id IS NULL OR rp.purpose_id = %s))
  AND NOT EXISTS (SELECT 1 FROM consent_suppression x WHERE x.address_hash = u.email_hash AND x.channel = 'email'
                  AND x.purpose_code IN ('', 'newsletter'))
ORDER BY u.id
"""


def floor(purpose_id: int) -> tuple[int, float]:
    started = time.perf_counter()
    count = 0
    with transaction.atomic():  # a named (server-side) cursor on PostgreSQL needs a transaction
        cursor = connection.connection.cursor("floor") if connection.vendor == "postgresql" else connection.cursor()
        cursor.execute(FLOOR_SQL.replace("%s", "?") if connection.vendor == "sqlite" else FLOOR_SQL, [purpose_id] * 2)
        while rows := cursor.fetchmany(5000):
            count += len(rows)
        cursor.close()
    return count, time.perf_counter() - started


def _stream(purpose: Purpose) -> int:
    with transaction.atomic():
        return sum(1 for _ in campaign_audience(purpose).values_list("pk", "email").iterator(chunk_size=5000))


def selector(purpose: Purpose) -> tuple[int, float, int, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        count = _stream(purpose)
        seconds = time.perf_counter() - started
    # The transaction's own statements are not queries of the audience.
    bookkeeping = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT")
    statements = [q for q in queries.captured_queries if not q["sql"].startswith(bookkeeping)]
    # The heap is measured on a second run: tracemalloc slows every allocation down.
    tracemalloc.start()
    _stream(purpose)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return count, seconds, len(statements), peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=1_000_000)
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0, run_syncdb=True)  # the benchmark-only tables of bench.erasure_app
    newsletter = Purpose.objects.get(code="newsletter")
    officer, _ = User.objects.get_or_create(email="bench-officer@bench.example", defaults={"is_staff": True})
    clear()
    started = time.perf_counter()
    load(options.subjects, newsletter, officer)
    print(f"loaded {options.subjects:,} subjects in {time.perf_counter() - started:.1f}s ({connection.vendor})")
    floor(newsletter.pk)  # warm the cache for both
    floor_count, floor_seconds = floor(newsletter.pk)
    count, seconds, statements, peak = selector(newsletter)
    print(
        f"campaign audience: {count:,} subjects in {seconds:.2f}s, {statements} query, Python heap peak "
        f"{peak / 1e6:.1f} MB; hand-written SQL floor: {floor_count:,} in {floor_seconds:.2f}s; "
        f"ratio {seconds / floor_seconds:.2f}x (target: within 2x)"
    )
    if count != floor_count:
        raise SystemExit(f"FAIL: the selector found {count} subjects, the floor {floor_count}")
    if statements != 1:
        raise SystemExit(f"FAIL: {statements} queries, not one")
    clear()


if __name__ == "__main__":
    main()
