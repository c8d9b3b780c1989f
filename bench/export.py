"""Benchmark: exporting one subject's data, against a raw dump of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/privacy_portal_bench \\
        .venv/bin/python bench/export.py [--rows 100000]

The subject gets ``rows`` login events (the largest table a customer has). Then:
  engine  apps.personal_data.export.run.export_run: the ZIP with index.html, readable pages, the rights
          page, JSON per category, CSV, manifest and checksums, saved to private storage
  floor   one raw SELECT of the same rows written as CSV into a ZIP
each run ``--repeat`` times, alternating, compared by their medians (the first export of the
process, which also loads the URLconf and templates, is reported on its own), and the engine's
Python heap peak (tracemalloc) is measured on one more run: it must stay flat however many rows
there are.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='portal-bench-')}/bench.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import LoginEvent, User  # noqa: E402
from apps.core.actors import SystemActor  # noqa: E402
from apps.core.bulk import insert_rows  # noqa: E402
from apps.personal_data.export.run import export_request, export_run  # noqa: E402

COLUMNS = ("occurred_at", "ip_address", "user_agent", "device", "browser", "operating_system", "method", "succeeded")


def make_subject(rows: int) -> User:
    User.objects.filter(email="export-bench@bench.example").delete()
    user = User.objects.create(email="export-bench@bench.example", full_name="Export Bench")
    now = timezone.now()
    for start in range(0, rows, 20_000):
        insert_rows(
            LoginEvent,
            ("user_id", *COLUMNS),
            (
                (
                    user.pk,
                    now,
                    f"203.0.113.{i % 250 + 1}",
                    "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0",
                    "Computer",
                    "Chrome 130",
                    "Linux",
                    "password",
                    True,
                )
                for i in range(start, min(rows, start + 20_000))
            ),
        )
    return user


def floor(user: User) -> float:
    started = time.perf_counter()
    with (
        tempfile.TemporaryFile() as out,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("login_events.csv", "w") as raw,
        connection.cursor() as cursor,
    ):
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(COLUMNS)
        cursor.execute(
            f"SELECT {', '.join(COLUMNS)} FROM {LoginEvent._meta.db_table} WHERE user_id = %s ORDER BY id",
            [user.pk],
        )
        while batch := cursor.fetchmany(2000):
            writer.writerows(batch)
        text.flush()
        text.detach()
    return time.perf_counter() - started


def engine(user: User) -> float:
    export = export_request(subject=user, actor=SystemActor("bench"), enqueue=False)
    started = time.perf_counter()
    export_run(export_id=export.pk)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, compared by their medians")
    args = parser.parse_args()
    # Migrated apps first: the benchmark-only tables (no migrations) point at their users.
    call_command("migrate", verbosity=0)
    call_command("migrate", run_syncdb=True, verbosity=0)
    user = make_subject(args.rows)

    # The first export of a fresh process also loads what any running worker has loaded long
    # before (the URLconf and the views it imports, templates): reported on its own. Then engine
    # and floor alternate, ``--repeat`` times each, and the medians are compared.
    cold_seconds = engine(user)
    engine_runs: list[float] = []
    floor_runs: list[float] = []
    for _run in range(args.repeat):
        floor_runs.append(floor(user))
        engine_runs.append(engine(user))
    engine_seconds, floor_seconds = statistics.median(engine_runs), statistics.median(floor_runs)
    tracemalloc.start()
    engine(user)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"database: {connection.vendor}; rows: {args.rows:,} login events; load average: {os.getloadavg()[0]:.2f}")
    runs = ", ".join(f"{e:.2f}s / {f:.2f}s" for e, f in zip(engine_runs, floor_runs, strict=True))
    print(f"runs (engine / floor): {runs}")
    print(f"engine: {engine_seconds:7.2f}s   floor (raw SELECT to CSV in a ZIP): {floor_seconds:7.2f}s   (medians)")
    print(f"ratio engine/floor: {engine_seconds / floor_seconds:.2f}x")
    print(f"first export in a fresh process: {cold_seconds:.2f}s ({cold_seconds / floor_seconds:.2f}x the floor)")
    print(f"engine Python heap peak: {peak / 1024 / 1024:.1f} MB (target: flat, under 150 MB at 100 000 rows)")


if __name__ == "__main__":
    main()
