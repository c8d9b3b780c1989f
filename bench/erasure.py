"""Benchmark: erasing one subject with the engine, against two references in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/privacy_portal_bench \\
        .venv/bin/python bench/erasure.py [--rows 100000] [--versions 3] [--loop-sample 2000]

Three identical subjects get ``rows`` rows spread over ten tables (plus ``versions`` history
versions of every row). Then:
  engine  apps.personal_data.erasure.run (keyset batches, history scrubbed, checkpointed)
  floor   hand-written SQL: one UPDATE/DELETE per table plus one per history table
  loop    a per-object save()/delete() loop, the way other Django GDPR packages work,
          timed on ``loop-sample`` rows and scaled to the full row count
Without DATABASE_URL it runs on a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
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
from apps.core.actors import SystemActor  # noqa: E402
from apps.core.bulk import insert_rows  # noqa: E402
from apps.personal_data.erasure.run import erasure_run, erasure_start  # noqa: E402
from apps.personal_data.registry import Action, entry_for  # noqa: E402
from bench.erasure_app.models import BENCH_MODELS  # noqa: E402


def make_subject(tag: str, rows: int, versions: int) -> User:
    user = User.objects.create(email=f"bench-{tag}@bench.example", full_name=f"Bench {tag}")
    now = timezone.now()
    per_table = rows // len(BENCH_MODELS)
    for model in BENCH_MODELS:
        insert_rows(
            model,
            ("user_id", "title", "body", "created_at"),
            ((user.pk, f"title {tag} {i}", f"body of {tag} number {i}", now) for i in range(per_table)),
        )
        ids = list(model.objects.filter(user=user).values_list("id", flat=True))
        insert_rows(
            model.history.model,
            ("id", "user_id", "title", "body", "created_at", "history_date", "history_type", "history_change_reason"),
            (
                (pk, user.pk, f"title {tag} v{v}", f"old body of {tag} v{v}", now, now, "~", f"edit {v} by {tag}")
                for pk in ids
                for v in range(versions)
            ),
        )
    return user


def floor(user: User) -> int:
    """The least work that erases the same data: one statement per table and history table."""
    statements = 0
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for model in BENCH_MODELS:
            table, history = quote(model._meta.db_table), quote(model.history.model._meta.db_table)
            ids = f"SELECT id FROM {table} WHERE user_id = %s"
            if entry_for(model).erase == Action.DELETE_ROW:
                cursor.execute(f"DELETE FROM {history} WHERE id IN ({ids})", [user.pk])
                cursor.execute(f"DELETE FROM {table} WHERE user_id = %s", [user.pk])
            else:
                cursor.execute(
                    f"UPDATE {history} SET title = %s, body = %s, history_change_reason = NULL WHERE id IN ({ids})",
                    ["[erased]", "", user.pk],
                )
                cursor.execute(
                    f"UPDATE {table} SET title = %s, body = %s WHERE user_id = %s", ["[erased]", "", user.pk]
                )
            statements += 2
    return statements


def per_object_loop(user: User, sample: int) -> tuple[float, int]:
    """save()/delete() one object at a time, history rows too; returns (seconds, rows handled)."""
    handled = 0
    per_table = max(1, sample // len(BENCH_MODELS))
    started = time.perf_counter()
    with transaction.atomic():
        for model in BENCH_MODELS:
            delete = entry_for(model).erase == Action.DELETE_ROW
            for obj in list(model.objects.filter(user=user).order_by("pk")[:per_table]):
                for version in model.history.filter(id=obj.pk):
                    if delete:
                        version.delete()
                    else:
                        version.title, version.body, version.history_change_reason = "[erased]", "", None
                        version.save()
                if delete:
                    obj.delete()
                else:
                    obj.title, obj.body = "[erased]", ""
                    obj.save()
                handled += 1
    return time.perf_counter() - started, handled


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--loop-sample", type=int, default=2_000)
    args = parser.parse_args()

    # Migrated apps first: the benchmark-only tables (no migrations) point at their users.
    call_command("migrate", verbosity=0)
    call_command("migrate", run_syncdb=True, verbosity=0)
    for model in BENCH_MODELS:  # a re-run on the same database starts clean
        model.history.model.objects.all()._raw_delete(connection.alias)
        model.objects.all()._raw_delete(connection.alias)
    User.objects.filter(email__endswith="@bench.example").delete()

    subjects = {name: make_subject(name, args.rows, args.versions) for name in ("engine", "floor", "loop")}
    noise = make_subject("bystander", max(len(BENCH_MODELS), args.rows // 10), 1)

    run = erasure_start(subject=subjects["engine"], actor=SystemActor("bench"), reason="benchmark", queue=False)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        erasure_run(erasure_id=run.pk)
        engine = time.perf_counter() - started

    started = time.perf_counter()
    floor_statements = floor(subjects["floor"])
    floor_seconds = time.perf_counter() - started

    loop_seconds, loop_rows = per_object_loop(subjects["loop"], args.loop_sample)
    loop_scaled = loop_seconds * (args.rows / max(loop_rows, 1))

    left = sum(m.objects.filter(user=subjects["engine"], title__startswith="title").count() for m in BENCH_MODELS)
    bystander_rows = sum(m.objects.filter(user=noise).count() for m in BENCH_MODELS)
    print(
        f"database: {connection.vendor}; rows: {args.rows:,} over {len(BENCH_MODELS)} tables, "
        f"{args.versions} history versions each ({args.rows * args.versions:,} history rows)"
    )
    print(
        f"engine:  {engine:8.2f}s  {len(queries.captured_queries):,} SQL statements "
        f"({len(queries.captured_queries) / len(BENCH_MODELS):.0f} per table, "
        f"{len(queries.captured_queries) / args.rows:.4f} per row)"
    )
    print(f"floor:   {floor_seconds:8.2f}s  {floor_statements} SQL statements")
    print(f"loop:    {loop_scaled:8.2f}s  (measured {loop_seconds:.2f}s on {loop_rows:,} rows, scaled)")
    print(f"ratio engine/floor: {engine / floor_seconds:.2f}x   (target: within 2x)")
    print(f"ratio loop/engine:  {loop_scaled / engine:.1f}x faster than the loop   (target: at least 20x)")
    if left:
        raise SystemExit(f"FAIL: {left} rows of the erased subject still hold their data")
    if bystander_rows == 0:
        raise SystemExit("FAIL: the bystander's rows were touched")


if __name__ == "__main__":
    main()
