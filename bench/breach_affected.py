"""Benchmark: finding the people a breach affected, against a hand-written SQL floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/privacy_portal_bench \\
        .venv/bin/python bench/breach_affected.py [--customers 1000000] [--reuse]

``customers`` accounts are loaded in bulk (countries GB, FR, VN, US; one in five reads
Vietnamese); 30% have a call record and 20% a usage event, half of each inside the breach's
window. ``--reuse`` keeps a population an earlier run loaded (a million takes minutes to load).
Then the breach's affected set over two registered models and a time window is counted by
jurisdiction and language:
  finder  apps.breaches.selectors.people (affected_people + affected_counts): the registry's
          entries become one GROUP BY query
  floor   the same counts in SQL written by hand (a UNION of the two tables' owners, joined to
          the accounts)
Target: the finder within 2x of the floor, in one query, with the same counts.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='portal-bench-')}/bench.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.breaches.selectors.people import Selection, affected_counts, affected_people  # noqa: E402
from apps.core.bulk import insert_rows  # noqa: E402
from apps.personal_data.domain import EEA  # noqa: E402
from apps.service_data.models import CallRecord, UsageEvent  # noqa: E402

BATCH = 20_000
DOMAIN = "breach.bench.example"
COUNTRIES = ("GB", "FR", "VN", "US", "GB")
MODELS = ("service_data.CallRecord", "service_data.UsageEvent")


def loaded() -> int:
    return User.objects.filter(email__endswith=DOMAIN).count()


def clear() -> None:
    mine = User.objects.filter(email__endswith=DOMAIN).values("pk")
    CallRecord.objects.filter(owner__in=mine).delete()
    UsageEvent.objects.filter(owner__in=mine).delete()
    User.objects.filter(email__endswith=DOMAIN).delete()


def load(customers: int, now) -> None:
    user_columns = (
        "password", "is_superuser", "reference", "email", "email_hash", "full_name", "phone", "mailing_address",
        "profile_picture", "preferred_language", "country", "status", "is_staff", "is_active", "date_joined",
    )  # fmt: skip
    as_uuid = (lambda value: value) if connection.vendor != "sqlite" else (lambda value: value.hex)
    inside, outside = now - timedelta(days=3), now - timedelta(days=40)
    for start in range(0, customers, BATCH):
        numbers = range(start, min(customers, start + BATCH))
        with transaction.atomic():
            insert_rows(
                User,
                user_columns,
                (
                    ("!", False, as_uuid(uuid.uuid4()), f"b{i:07d}@{DOMAIN}", f"{i:064x}", "", "", "", "",
                     "vi" if i % 5 == 2 else "en", COUNTRIES[i % 5], "active", False, True, now)
                    for i in numbers
                ),
            )  # fmt: skip
            ids = dict(
                User.objects.filter(
                    email__endswith=DOMAIN, email__gte=f"b{start:07d}@", email__lt=f"b{start + BATCH:07d}@"
                ).values_list("email", "pk")
            )
            owners = [(i, ids[f"b{i:07d}@{DOMAIN}"]) for i in numbers]
            insert_rows(
                CallRecord,
                ("owner_id", "started_at", "direction", "other_party", "duration_seconds", "cost", "currency"),
                (
                    (pk, inside if i % 2 else outside, "outgoing", "+442079460000", 60, "0.10", "GBP")
                    for i, pk in owners
                    if i % 10 < 3
                ),
            )
            insert_rows(
                UsageEvent,
                ("owner_id", "occurred_at", "feature", "action"),
                ((pk, inside if i % 4 < 2 else outside, "player", "play") for i, pk in owners if i % 10 >= 8),
            )


SELECT_COUNTS = """
SELECT CASE WHEN u.country = 'GB' THEN 'uk' WHEN u.country IN ({eea}) THEN 'eu' WHEN u.country = 'VN' THEN 'vn'
            WHEN u.country = 'US' THEN 'us-ca' ELSE 'uk' END AS jurisdiction,
       u.preferred_language, COUNT(*)
FROM accounts_user u
"""
# Two ways a person would write it; the floor is the faster of the two in each round.
FLOOR_SQL = (
    SELECT_COUNTS
    + """JOIN (SELECT owner_id FROM service_data_callrecord WHERE started_at >= %s
      UNION SELECT owner_id FROM service_data_usageevent WHERE occurred_at >= %s) a ON a.owner_id = u.id
GROUP BY 1, 2""",
    SELECT_COUNTS
    + """WHERE u.id IN (SELECT owner_id FROM service_data_callrecord WHERE started_at >= %s)
   OR u.id IN (SELECT owner_id FROM service_data_usageevent WHERE occurred_at >= %s)
GROUP BY 1, 2""",
)


def floor(since) -> tuple[dict, float]:
    results = [_floor(sql, since) for sql in FLOOR_SQL]
    return min(results, key=lambda result: result[1])


def _floor(sql: str, since) -> tuple[dict, float]:
    sql = sql.format(eea=", ".join(f"'{code}'" for code in sorted(EEA)))
    if connection.vendor == "sqlite":
        sql = sql.replace("%s", "?")
        since_value = connection.ops.adapt_datetimefield_value(since)
    else:
        since_value = since
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, [since_value, since_value])
        rows = cursor.fetchall()
    seconds = time.perf_counter() - started
    by_jurisdiction: dict[str, int] = {}
    for code, _language, n in rows:
        by_jurisdiction[code] = by_jurisdiction.get(code, 0) + n
    return {"total": sum(by_jurisdiction.values()), "by_jurisdiction": dict(sorted(by_jurisdiction.items()))}, seconds


def finder(since) -> tuple[dict, float, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        counts = affected_counts(affected_people(Selection(models=MODELS, since=since)).people)
        seconds = time.perf_counter() - started
    return counts, seconds, len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the customers an earlier run loaded")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best of each side counts")
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0, run_syncdb=True)  # the benchmark-only tables of bench.erasure_app
    now = timezone.now()
    if not (options.reuse and loaded() == options.customers):
        clear()
        started = time.perf_counter()
        load(options.customers, now)
        print(f"loaded {options.customers:,} customers in {time.perf_counter() - started:.1f}s ({connection.vendor})")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    since = now - timedelta(days=7)
    floor(since)  # warm the cache for both
    floor_times, finder_times = [], []
    for _round in range(options.rounds):
        floor_counts, seconds = floor(since)
        floor_times.append(seconds)
        counts, seconds, statements = finder(since)
        finder_times.append(seconds)
    best_floor, best_finder = min(floor_times), min(finder_times)
    print(
        f"affected set: {counts['total']:,} of {loaded():,} customers {counts['by_jurisdiction']} in "
        f"{best_finder:.2f}s, {statements} query; hand-written SQL floor: {floor_counts['total']:,} in "
        f"{best_floor:.2f}s; ratio {best_finder / best_floor:.2f}x (target: within 2x)"
    )
    if {k: counts[k] for k in ("total", "by_jurisdiction")} != floor_counts:
        raise SystemExit(f"FAIL: the finder counted {counts}, the floor {floor_counts}")
    if statements != 1:
        raise SystemExit(f"FAIL: {statements} queries, not one")
    if not options.reuse:
        clear()


if __name__ == "__main__":
    main()
