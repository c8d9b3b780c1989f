"""Benchmark: erasing a customer of the service app (many calls, many files) with the engine,
against the least work that erases the same data, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/privacy_portal_bench \\
        .venv/bin/python bench/erasure_service.py [--calls 100000] [--files 1000] [--kb 64]

Two identical customers get ``calls`` call records and ``files`` content items (each with
its creation history row and a file of ``kb`` KB in the content storage), and a bystander
gets a tenth of that. Then:
  engine  apps.personal_data.erasure.run: every registered table in keyset batches, the
          history scrubbed, checkpointed, the files deleted after each batch's commit and
          listed (hashed) on the certificate
  floor   hand-written SQL: one DELETE per table (calls, content items, their history),
          then deleting the files from the storage, one by one
Without DATABASE_URL it runs on a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from decimal import Decimal
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
from apps.service_data.models import CallRecord, ContentItem  # noqa: E402

STORAGE = ContentItem._meta.get_field("file").storage
CONTENT_COLUMNS = ("reference", "owner_id", "kind", "title", "file", "original_name", "content_type", "size", "sha256")


def _uuid(value):
    return value.hex if connection.vendor == "sqlite" else value


def make_subject(tag: str, calls: int, files: int, kb: int) -> tuple[User, list[str]]:
    import uuid

    user = User.objects.create(email=f"service-{tag}@bench.example", full_name=f"Service {tag}")
    now = timezone.now()
    for start in range(0, calls, 20_000):
        insert_rows(
            CallRecord,
            ("owner_id", "started_at", "direction", "other_party", "duration_seconds", "cost", "currency"),
            (
                (user.pk, now, "outgoing", f"+4420794{i % 100000:05d}", 30 + i % 600, Decimal("0.0500"), "USD")
                for i in range(start, min(calls, start + 20_000))
            ),
        )
    names, rows = [], []
    block = os.urandom(kb * 1024)
    for number in range(files):
        token = uuid.uuid4().hex
        name = f"content/{token[:2]}/{token}.m4a"
        path = Path(STORAGE.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        data = f"{tag}:{number}:".encode() + block
        path.write_bytes(data)
        names.append(name)
        rows.append(
            (
                _uuid(uuid.uuid4()),
                user.pk,
                "voice_clip",
                f"Voice note {number} of {tag}",
                name,
                f"voice note {number}.m4a",
                "audio/mp4",
                len(data),
                hashlib.sha256(data).hexdigest(),
                now,
                now,
            )
        )
    insert_rows(ContentItem, (*CONTENT_COLUMNS, "created_at", "updated_at"), rows)
    # Each item's creation, as simple-history records it.
    history = ContentItem.history.model
    ids = dict(ContentItem.objects.filter(owner=user).values_list("file", "pk"))
    insert_rows(
        history,
        ("id", *CONTENT_COLUMNS, "created_at", "updated_at", "history_date", "history_type"),
        ((ids[row[4]], *row, now, "+") for row in rows),
    )
    return user, names


def floor(user: User, names: list[str]) -> tuple[float, int]:
    """One DELETE per table, then the files: the least work that erases the same data."""
    quote = connection.ops.quote_name
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        content, history = quote(ContentItem._meta.db_table), quote(ContentItem.history.model._meta.db_table)
        cursor.execute(f"DELETE FROM {history} WHERE id IN (SELECT id FROM {content} WHERE owner_id = %s)", [user.pk])
        cursor.execute(f"DELETE FROM {content} WHERE owner_id = %s", [user.pk])
        cursor.execute(f"DELETE FROM {quote(CallRecord._meta.db_table)} WHERE owner_id = %s", [user.pk])
    for name in names:
        STORAGE.delete(name)
    return time.perf_counter() - started, 3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=1_000)
    parser.add_argument("--kb", type=int, default=64, help="size of each file")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("migrate", run_syncdb=True, verbosity=0)
    for old in User.objects.filter(email__endswith="@bench.example", email__startswith="service-"):
        for name in ContentItem.objects.filter(owner=old).values_list("file", flat=True):
            STORAGE.delete(name)
        ContentItem.history.model.objects.filter(owner_id=old.pk).delete()
        ContentItem.objects.filter(owner=old).delete()
        CallRecord.objects.filter(owner=old).delete()
        old.delete()

    engine_user, engine_names = make_subject("engine", args.calls, args.files, args.kb)
    floor_user, floor_names = make_subject("floor", args.calls, args.files, args.kb)
    bystander, bystander_names = make_subject("bystander", args.calls // 10, args.files // 10, args.kb)
    if connection.vendor == "postgresql":
        # As autovacuum would soon after tables grew by hundreds of thousands of rows: the
        # planner then knows how many calls one customer has (both sides run after it).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # A worker's first erasure fills per-process caches (content types, the registry's
    # order); a warm-up erasure of a small customer leaves the timed one the steady state.
    warm_up, _ = make_subject("warm-up", 10, 1, 1)
    erasure_run(erasure_id=erasure_start(subject=warm_up, actor=SystemActor("bench"), reason="warm-up", queue=False).pk)

    run = erasure_start(subject=engine_user, actor=SystemActor("bench"), reason="benchmark", queue=False)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        run = erasure_run(erasure_id=run.pk)
        engine = time.perf_counter() - started
    floor_seconds, floor_statements = floor(floor_user, floor_names)

    print(
        f"database: {connection.vendor}; {args.calls:,} call records and {args.files:,} content items "
        f"(+ history rows) with files of {args.kb} KB"
    )
    print(f"engine:  {engine:8.2f}s  {len(queries.captured_queries):,} SQL statements over every registered table")
    print(f"floor:   {floor_seconds:8.2f}s  {floor_statements} SQL statements + {len(floor_names):,} file deletes")
    print(f"ratio engine/floor: {engine / floor_seconds:.2f}x   (target: within 2x)")
    left_files = sum(STORAGE.exists(n) for n in engine_names)
    table = next(t for t in run.certificate["tables"] if t["model"] == "service_data.ContentItem")
    print(f"certificate: {run.status}; content files deleted {table['files_deleted']:,}, pending {left_files}")
    if run.status != "completed" or left_files or table["files_deleted"] != args.files:
        raise SystemExit("FAIL: the erased customer's files are not all gone and listed")
    if CallRecord.objects.filter(owner=engine_user).exists() or ContentItem.objects.filter(owner=engine_user).exists():
        raise SystemExit("FAIL: rows of the erased customer are left")
    if not all(STORAGE.exists(n) for n in bystander_names) or not CallRecord.objects.filter(owner=bystander).exists():
        raise SystemExit("FAIL: the bystander's data was touched")


if __name__ == "__main__":
    main()
