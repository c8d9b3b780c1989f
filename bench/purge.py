"""Benchmark: the retention purge of closed accounts' records, against a hand-written SQL floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/privacy_portal_bench \\
        .venv/bin/python bench/purge.py [--rows 1000000] [--think-ms 20] [--idle-seconds 8]

PostgreSQL only (it samples ``pg_stat_activity`` and copies databases, so the role needs
CREATEDB). It works in a scratch database, ``<DATABASE_URL's name>_purge``, created fresh and
dropped at the end; DATABASE_URL's own database is not touched. ``rows`` closed accounts are due under the seeded
rule "closed-account-records" (P-41: closed over 5 years ago, inactive, not yet anonymised),
each with one or two simple-history rows; one control account per four due ones is not due
(closed 2 years ago, already anonymised, still active, or closed but ``is_active``), with a
history row each, so the WHERE matters and is checked. Then, in the same run:

  floor    on an identical copy of the database (CREATE DATABASE … TEMPLATE): the least SQL
           that does the same work, one transaction:
           DELETE FROM accounts_historicaluser WHERE id IN (SELECT id FROM accounts_user WHERE …);
           UPDATE accounts_user SET email = 'anonymised-' || id || '@invalid', date_joined = closed_at WHERE …
  purge    apps.retention.purge.purge(rule_code="closed-account-records"): keyset batches of
           RETENTION_PURGE_BATCH_SIZE, one transaction each (history scrubbed, checkpoint written)

Targets (issue #7): purge rows/s at least a third of the floor's; the longest transaction of
the run under 2 s; a "Your Account" page's p95 latency while the purge runs within 2x idle.

The longest transaction is measured two ways and the larger is judged:
  in-process  every outermost transaction.atomic() block of the purge, timed from autocommit
              off to autocommit back on (so it includes BEGIN … COMMIT and the Python between);
              exact and complete;
  sampled     a second process reads clock_timestamp() - xact_start of the purge's backend in
              pg_stat_activity every --sample-ms: the server's view (lock waits included), at
              most one interval short of the truth.

The page: a separate process signs a customer in (Django's test Client, force_login; the whole
middleware stack, sessions in the database, one kept connection) and GETs /account/ one request
after another with --think-ms between them: for --idle-seconds before the purge (idle), then
until it finishes (under load). On 2 shared cores the page, the purge and PostgreSQL compete for
CPU, as they would on a small production host.

Prints a JSON summary to stdout (progress goes to stderr). Missed targets are reported, not
failed: the exit status is non-zero only when the work is wrong (rows left due, control rows
touched, floor and purge disagreeing, page errors) or the run fails.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def _scratch_database() -> str:
    """Work in ``<DATABASE_URL's database>_purge``, created fresh and dropped at the end: clearing
    1.25 million accounts row by row (55 foreign keys point at accounts_user) would take minutes."""
    url = urlsplit(os.environ.get("DATABASE_URL", ""))
    if url.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit("bench/purge.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    os.environ["DATABASE_URL"] = urlunsplit(url._replace(path=f"{url.path.rstrip('/') or '/bench'}_purge"))
    return url.path.strip("/")


_scratch_database()

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.core.bulk import insert_rows  # noqa: E402
from apps.retention.models import PurgeRun, RetentionRule  # noqa: E402
from apps.retention.purge import batch_size, purge  # noqa: E402

RULE = "closed-account-records"
MARK = "Purge Bench"  # full_name of every benchmark account (the purge leaves it)
DOMAIN = "purge.bench.example"
CUSTOMER = f"customer@{DOMAIN}"
LOAD_CHUNK = 20_000
CONTROL_KINDS = ("closed_recently", "already_anonymised", "still_active", "closed_but_is_active")

USER_COLUMNS = (
    "password", "is_superuser", "reference", "email", "email_hash", "full_name", "phone", "mailing_address",
    "profile_picture", "preferred_language", "country", "status", "closed_at", "is_staff", "is_active",
    "date_joined",
)  # fmt: skip
HISTORY_COLUMNS = (
    "id", "is_superuser", "reference", "email", "full_name", "phone", "mailing_address", "profile_picture",
    "preferred_language", "country", "status", "closed_at", "is_staff", "is_active", "date_joined",
    "history_date", "history_change_reason", "history_type",
)  # fmt: skip

# The rule's WHERE, as the floor writes it by hand (%(cutoff)s: now - 5 years).
DUE = "status = 'closed' AND closed_at < %(cutoff)s AND NOT is_active AND email NOT LIKE 'anonymised-%%'"
FLOOR_SQL = (
    f"DELETE FROM accounts_historicaluser WHERE id IN (SELECT id FROM accounts_user WHERE {DUE})",
    f"UPDATE accounts_user SET email = 'anonymised-' || id || '@invalid', date_joined = closed_at WHERE {DUE}",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def conninfo(dbname: str | None = None) -> dict:
    db = settings.DATABASES["default"]
    info = {"dbname": dbname or db["NAME"], "user": db.get("USER") or None, "password": db.get("PASSWORD") or None}
    info |= {"host": db.get("HOST") or None, "port": db.get("PORT") or None}
    return {k: v for k, v in info.items() if v is not None}


def percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


# --- The data set ------------------------------------------------------------------------------


def load(rows: int, now) -> dict[str, int]:
    """``rows`` due accounts, one control after every four, history rows for all; returns counts."""
    cutoff = now - timedelta(days=5 * 365 + 2)
    counts = {"due": 0, "controls": 0, "history_due": 0, "history_controls": 0}
    total = rows + rows // 4
    for start in range(0, total, LOAD_CHUNK):
        users, kinds = [], {}
        for i in range(start, min(total, start + LOAD_CHUNK)):
            control = i % 5 == 4
            kind = CONTROL_KINDS[(i // 5) % len(CONTROL_KINDS)] if control else "due"
            email = f"closed-{i:08d}@{DOMAIN}"
            status, is_active = "closed", False
            closed_at = cutoff - timedelta(days=365 + i % 700, seconds=i % 86_400)
            if kind == "closed_recently":
                closed_at = now - timedelta(days=2 * 365, seconds=i % 86_400)
            elif kind == "already_anonymised":
                email = f"anonymised-c{i:08d}@invalid"
            elif kind == "still_active":
                status, closed_at, is_active = "active", None, True
            elif kind == "closed_but_is_active":
                is_active = True
            joined = (closed_at or now) - timedelta(days=900 + i % 1000)
            kinds[email] = (kind, joined, closed_at)
            users.append(
                ("!", False, uuid.uuid4(), email, f"{i:064x}", MARK, "", "", "", "en", "GB", status, closed_at,
                 False, is_active, joined)
            )  # fmt: skip
        with transaction.atomic():
            insert_rows(User, USER_COLUMNS, users)
            ids = User._base_manager.filter(email__in=list(kinds)).values_list("email", "pk", "reference")
            history = []
            for email, pk, reference in ids:
                kind, joined, closed_at = kinds[email]
                status = "active" if kind == "still_active" else "closed"
                versions = [("+", joined, "active", None, True)]
                if kind == "due" and pk % 2:
                    versions.append(("~", closed_at, status, closed_at, False))
                for history_type, when, version_status, version_closed, version_active in versions:
                    history.append(
                        (pk, False, reference, email, MARK, "", "", "", "en", "GB", version_status, version_closed,
                         False, version_active, joined, when, "bench", history_type)
                    )  # fmt: skip
                side = "due" if kind == "due" else "controls"
                counts[side] += 1
                counts[f"history_{side}"] += len(versions)
            insert_rows(User.history.model, HISTORY_COLUMNS, history)
        log(f"  loaded {min(total, start + LOAD_CHUNK):,} / {total:,} accounts")
    return counts


def fingerprint(cursor, due_sql: str, params: dict) -> dict[str, int]:
    """What the checks compare: due rows left, anonymised rows, control rows and their history."""
    queries = {
        "due_left": f"SELECT count(*) FROM accounts_user WHERE full_name = %(mark)s AND {due_sql}",
        "anonymised": (
            "SELECT count(*) FROM accounts_user WHERE full_name = %(mark)s AND email = 'anonymised-' || id || "
            "'@invalid' AND date_joined = closed_at"
        ),
        "history_of_anonymised": (
            "SELECT count(*) FROM accounts_historicaluser h JOIN accounts_user u ON u.id = h.id "
            "WHERE u.full_name = %(mark)s AND u.email = 'anonymised-' || u.id || '@invalid'"
        ),
        "controls_intact": (
            "SELECT count(*) FROM accounts_user WHERE full_name = %(mark)s AND email <> %(customer)s "
            "AND (email LIKE 'closed-%%' OR email LIKE 'anonymised-c%%') AND date_joined <> coalesce(closed_at, "
            "'-infinity') AND NOT (" + due_sql + ")"
        ),
        "history_of_controls": (
            "SELECT count(*) FROM accounts_historicaluser h JOIN accounts_user u ON u.id = h.id "
            "WHERE u.full_name = %(mark)s AND u.email <> 'anonymised-' || u.id || '@invalid' "
            "AND u.email <> %(customer)s"
        ),
    }
    found = {}
    for key, sql in queries.items():
        cursor.execute(sql, params | {"mark": MARK, "customer": CUSTOMER})
        found[key] = cursor.fetchone()[0]
    return found


# --- The floor, on a copy ----------------------------------------------------------------------


def copy_database(source: str, target: str) -> float:
    connections.close_all()  # CREATE DATABASE … TEMPLATE needs the source to have no sessions
    started = time.perf_counter()
    with psycopg.connect(**conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
        strategy = " STRATEGY = FILE_COPY" if admin.info.server_version >= 150000 else ""
        admin.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"{strategy}')
    return time.perf_counter() - started


def drop_database(name: str) -> None:
    with psycopg.connect(**conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def checkpoint() -> None:
    """Flush dirty pages now (from a connection of its own), not in the middle of a timing."""
    with psycopg.connect(**conninfo("postgres"), autocommit=True) as admin:
        admin.execute("CHECKPOINT")


def floor(dbname: str, cutoff) -> tuple[float, list[int], dict[str, int]]:
    with psycopg.connect(**conninfo(dbname), autocommit=True) as conn:
        started = time.perf_counter()
        with conn.transaction():
            counts = [conn.execute(sql, {"cutoff": cutoff}).rowcount for sql in FLOOR_SQL]
        seconds = time.perf_counter() - started
        with conn.cursor() as cursor:
            found = fingerprint(cursor, DUE, {"cutoff": cutoff})
    return seconds, counts, found


# --- The page, in its own process --------------------------------------------------------------


def page_client(user_pk: int, think: float, ready, stop, results) -> None:
    from django.test import Client

    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "localhost")
    client.force_login(User.objects.get(pk=user_pk))
    url = "/account/"
    for _ in range(10):  # warm: templates, translations, the connection
        client.get(url)
    timings, errors = [], 0
    ready.set()
    while not stop.is_set():
        started = time.monotonic()
        response = client.get(url)
        finished = time.monotonic()
        if response.status_code != 200:
            errors += 1
        timings.append((started, finished))
        time.sleep(think)
    connections.close_all()
    results.put({"url": url, "timings": timings, "errors": errors})


# --- The pg_stat_activity sampler, in its own process ------------------------------------------


def sampler(pid, active, interval: float, ready, stop, results) -> None:
    """Samples the purge's backend while ``active`` is set (``pid`` is filled in by the parent)."""
    longest: dict[str, float] = {}  # xact_start -> the oldest age seen of that transaction
    samples = 0
    with psycopg.connect(**conninfo(), autocommit=True) as conn:
        ready.set()
        while not stop.is_set():
            if active.value:
                row = conn.execute(
                    "SELECT xact_start::text, extract(epoch FROM clock_timestamp() - xact_start)::float8 "
                    "FROM pg_stat_activity WHERE pid = %s AND xact_start IS NOT NULL",
                    [pid.value],
                ).fetchone()
                samples += 1
                if row is not None:
                    longest[row[0]] = max(longest.get(row[0], 0.0), row[1])
            time.sleep(interval)
    results.put({"samples": samples, "transactions_seen": len(longest), "longest": max(longest.values(), default=0)})


# --- The purge, timed --------------------------------------------------------------------------


class Recorder:
    """Times every outermost transaction and every SQL statement of the purge, by kind."""

    def __init__(self) -> None:
        self.transactions: list[float] = []
        self.sql: dict[str, list[float]] = {}
        self._opened: float | None = None

    def set_autocommit(self, original):
        def wrapped(autocommit, *args, **kwargs):
            if not autocommit:
                self._opened = time.perf_counter()
            result = original(autocommit, *args, **kwargs)
            if autocommit and self._opened is not None:
                self.transactions.append(time.perf_counter() - self._opened)
                self._opened = None
            return result

        return wrapped

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = self.kind(sql, context["connection"].in_atomic_block)
            self.sql.setdefault(kind, []).append(time.perf_counter() - started)

    @staticmethod
    def kind(sql: str, in_transaction: bool) -> str:
        head = sql.lstrip()[:60].upper()
        if "RETENTION_PURGERUN" in sql.upper()[:200]:
            return "checkpoint (lock + update the run)"
        if head.startswith('DELETE FROM "ACCOUNTS_HISTORICALUSER"'):
            return "delete history rows"
        if head.startswith('UPDATE "ACCOUNTS_USER"'):
            return "anonymise accounts"
        if head.startswith("SELECT") and '"ACCOUNTS_USER"' in sql.upper() and not in_transaction:
            return "keyset select of the next batch"
        return "other"


def run_purge(now) -> tuple[float, PurgeRun, Recorder]:
    recorder = Recorder()
    original = connection.set_autocommit
    connection.set_autocommit = recorder.set_autocommit(original)
    try:
        with connection.execute_wrapper(recorder):
            started = time.perf_counter()
            run = purge(triggered_by="command", rule_code=RULE, now=now)
            seconds = time.perf_counter() - started
    finally:
        del connection.set_autocommit  # back to the class's method
    return seconds, run, recorder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000, help="due accounts (controls: a quarter more)")
    parser.add_argument("--think-ms", type=float, default=20, help="pause between page requests")
    parser.add_argument("--idle-seconds", type=float, default=8, help="page requests timed before the purge")
    parser.add_argument("--sample-ms", type=float, default=20, help="pg_stat_activity sampling interval")
    options = parser.parse_args()
    scratch = settings.DATABASES["default"]["NAME"]
    drop_database(scratch)
    drop_database(f"{scratch}_floor")
    with psycopg.connect(**conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        measure(options)
    finally:
        connections.close_all()
        drop_database(scratch)


def measure(options: argparse.Namespace) -> None:
    call_command("migrate", verbosity=0)
    rule = RetentionRule.objects.get(code=RULE)
    now = timezone.now()
    cutoff = rule.cutoff(now)
    started = time.perf_counter()
    log(f"loading {options.rows:,} due accounts and {options.rows // 4:,} controls, with history")
    counts = load(options.rows, now)
    customer = User.objects.create_user(email=CUSTOMER, password="bench-customer-password", full_name=MARK)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE accounts_user")
        cursor.execute("VACUUM ANALYZE accounts_historicaluser")
        cursor.execute(f"SELECT count(*) FROM accounts_user WHERE {DUE}", {"cutoff": cutoff})
        due_before = cursor.fetchone()[0]
        before = fingerprint(cursor, DUE, {"cutoff": cutoff})
    load_seconds = time.perf_counter() - started
    log(f"loaded in {load_seconds:.1f}s: {counts}")

    source = settings.DATABASES["default"]["NAME"]
    copy = f"{source}_floor"
    log(f"copying the database to {copy} for the floor")
    copy_seconds = copy_database(source, copy)
    checkpoint()

    # The page and the sampler run in their own processes, forked with no connection open.
    context = multiprocessing.get_context("fork")
    page_ready, page_stop, page_results = context.Event(), context.Event(), context.Queue()
    page = context.Process(
        target=page_client, args=(customer.pk, options.think_ms / 1000, page_ready, page_stop, page_results)
    )
    pid, active = context.Value("i", 0), context.Value("b", 0)
    sample_ready, sample_stop, sample_results = context.Event(), context.Event(), context.Queue()
    sampling = context.Process(
        target=sampler, args=(pid, active, options.sample_ms / 1000, sample_ready, sample_stop, sample_results)
    )
    page.start()
    sampling.start()
    try:
        if not (page_ready.wait(120) and sample_ready.wait(60)):
            raise SystemExit("FAIL: the page client or the sampler did not start")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid.value = cursor.fetchone()[0]
        windows = {"idle": [time.monotonic()]}
        time.sleep(options.idle_seconds)
        windows["idle"].append(time.monotonic())

        log("floor: hand-written SQL on the copy, the page requested meanwhile")
        windows["floor"] = [time.monotonic()]
        try:
            floor_seconds, floor_counts, floor_after = floor(copy, cutoff)
        finally:
            windows["floor"].append(time.monotonic())
            drop_database(copy)
        log(f"floor: {floor_counts[1]:,} accounts, {floor_counts[0]:,} history rows in {floor_seconds:.2f}s")
        checkpoint()  # the floor's writes are not flushed on the purge's time

        log(f"purge of rule {RULE} in batches of {batch_size():,}, the page requested meanwhile")
        active.value = 1
        windows["purge"] = [time.monotonic()]
        purge_seconds, run, recorder = run_purge(now)
        windows["purge"].append(time.monotonic())
        active.value = 0
        log(f"purge: {purge_seconds:.2f}s, run {run.reference} {run.status}")
    finally:
        page_stop.set()
        sample_stop.set()
        page_data, sampled = page_results.get(timeout=120), sample_results.get(timeout=120)
        page.join(30)
        sampling.join(30)

    with connection.cursor() as cursor:
        after = fingerprint(cursor, DUE, {"cutoff": cutoff})
    latency = {
        name: [(end - begin) * 1000 for begin, end in page_data["timings"] if since <= begin and end <= until]
        for name, (since, until) in windows.items()
    }
    idle, loaded = latency["idle"], latency["purge"]
    anonymised = int(run.progress.get(RULE, {}).get("anonymised", 0))
    floor_rate, purge_rate = floor_counts[1] / floor_seconds, anonymised / purge_seconds
    longest_in_process = max(recorder.transactions, default=0.0)
    longest = max(longest_in_process, sampled["longest"])
    idle_p95, load_p95 = percentile(idle, 95), percentile(loaded, 95)
    page_ratio = load_p95 / idle_p95 if idle_p95 and load_p95 else None
    sql_seconds = {kind: round(sum(times), 3) for kind, times in sorted(recorder.sql.items())}
    summary = {
        "database": f"PostgreSQL {connection.pg_version // 10000}, {os.cpu_count()} cores",
        "rule": RULE,
        "rows_due": counts["due"],
        "history_rows_due": counts["history_due"],
        "control_rows": counts["controls"],
        "control_history_rows": counts["history_controls"],
        "batch_size": batch_size(),
        "load_seconds": round(load_seconds, 1),
        "copy_seconds": round(copy_seconds, 1),
        "floor": {
            "sql": list(FLOOR_SQL),
            "seconds": round(floor_seconds, 3),
            "accounts_anonymised": floor_counts[1],
            "history_rows_deleted": floor_counts[0],
            "rows_per_second": round(floor_rate),
        },
        "purge": {
            "seconds": round(purge_seconds, 3),
            "accounts_anonymised": anonymised,
            "rows_per_second": round(purge_rate),
            "status": run.status,
            "transactions": len(recorder.transactions),
            "transaction_seconds_mean": round(statistics.fmean(recorder.transactions), 4)
            if recorder.transactions
            else None,
            "transaction_seconds_p95": round(percentile(recorder.transactions, 95) or 0, 4),
            "sql_statements": sum(len(times) for times in recorder.sql.values()),
            "sql_seconds_by_kind": sql_seconds,
            "python_and_driver_seconds": round(purge_seconds - sum(sql_seconds.values()), 3),
        },
        "longest_transaction": {
            "in_process_seconds": round(longest_in_process, 4),
            "pg_stat_activity_seconds": round(sampled["longest"], 4),
            "pg_stat_activity_samples": sampled["samples"],
            "pg_stat_activity_transactions_seen": sampled["transactions_seen"],
            "sample_interval_ms": options.sample_ms,
        },
        "page": {
            "url": page_data["url"],
            "think_ms": options.think_ms,
            "errors": page_data["errors"],
            **{
                {"idle": "idle", "floor": "during_floor", "purge": "during_purge"}[name]: {
                    "requests": len(values),
                    "p50_ms": _ms(percentile(values, 50)),
                    "p95_ms": _ms(percentile(values, 95)),
                    "max_ms": _ms(max(values, default=None)),
                }
                for name, values in latency.items()
            },
        },
        "targets": {
            "purge_rate_vs_floor": _target(purge_rate / floor_rate, ">=", 1 / 3, "purge rows/s over the floor's"),
            "longest_transaction_seconds": _target(longest, "<", 2.0, "larger of in-process and sampled"),
            "page_p95_under_load_vs_idle": _target(page_ratio, "<=", 2.0, "p95 under load over p95 idle"),
        },
        "checks": {"before": before, "after_purge": after, "after_floor": floor_after},
    }
    print(json.dumps(summary, indent=2))

    problems = []
    if run.status != PurgeRun.Status.COMPLETED:
        problems.append(f"the purge run ended {run.status}: {run.errors()}")
    if after["due_left"] or floor_after["due_left"]:
        problems.append(f"due rows left: purge {after['due_left']}, floor {floor_after['due_left']}")
    if anonymised != due_before or floor_counts[1] != due_before:
        problems.append(f"{due_before} due, purge anonymised {anonymised}, floor {floor_counts[1]}")
    if after != floor_after:
        problems.append(f"purge and floor left different data: {after} vs {floor_after}")
    if (
        after["controls_intact"] != before["controls_intact"]
        or after["history_of_controls"] != (counts["history_controls"])
    ):
        problems.append("control rows or their history were touched")
    if after["history_of_anonymised"]:
        problems.append(f"{after['history_of_anonymised']} history rows of anonymised accounts remain")
    if page_data["errors"]:
        problems.append(f"{page_data['errors']} page requests did not answer 200")
    if not idle or not loaded:
        problems.append(f"too few page requests timed: {len(idle)} idle, {len(loaded)} under load")
    if problems:
        raise SystemExit("FAIL: " + "; ".join(problems))


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _target(value: float | None, op: str, limit: float, what: str) -> dict:
    met = value is not None and (value >= limit if op == ">=" else value < limit if op == "<" else value <= limit)
    shown = round(value, 3) if value is not None else None
    return {"value": shown, "target": f"{op} {round(limit, 3)}", "met": met, "what": what}


if __name__ == "__main__":
    main()
