"""Benchmark: erasing a customer of the service app (many calls, many files) with the engine,
against the least work that erases the same data, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/privacy_portal_bench \\
        .venv/bin/python bench/erasure_service.py [--calls 100000] [--files 1000] [--kb 64] [--runs 3]

For each of ``runs`` rounds, two identical customers get ``calls`` call records and
``files`` content items (each with its creation history row and a file of ``kb`` KB in the
content storage); a bystander gets a tenth of that. Then, round by round, alternating which
side goes first (a busy machine's noise falls on both), and the best time of each counts:
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


class TimedDeletes:
    """Seconds spent in the content storage's delete(), whoever calls it (the engine or the
    floor): shown beside each side's time, because deleting a thousand files is most of the
    floor and, on a machine whose disk others keep busy, can take seconds on both sides.
    Measures only; every delete still goes to the storage."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._delete = STORAGE.delete

    def __call__(self, name: str) -> None:
        started = time.perf_counter()
        try:
            self._delete(name)
        finally:
            self.seconds += time.perf_counter() - started


DELETES = TimedDeletes()
STORAGE.delete = DELETES  # type: ignore[method-assign]


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
    parser.add_argument("--runs", type=int, default=3, help="rounds of each side; the best counts")
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

    rounds = [
        (
            make_subject(f"engine{n}", args.calls, args.files, args.kb),
            make_subject(f"floor{n}", args.calls, args.files, args.kb),
        )
        for n in range(args.runs)
    ]
    bystander, bystander_names = make_subject("bystander", args.calls // 10, args.files // 10, args.kb)
    if connection.vendor == "postgresql":
        # As autovacuum would soon after tables grew by hundreds of thousands of rows: the
        # planner then knows how many calls one customer has (both sides run after it).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            # The hundreds of megabytes just written (rows and files) are flushed now, not
            # in the middle of a timed run (either side's).
            cursor.execute("CHECKPOINT")
    os.sync()

    # A worker's first erasure fills per-process caches (content types, the registry's
    # order, the compiled questions); a warm-up erasure of a small customer leaves the timed
    # ones the steady state.
    warm_up, _ = make_subject("warm-up", 10, 1, 1)
    erasure_run(erasure_id=erasure_start(subject=warm_up, actor=SystemActor("bench"), reason="warm-up", queue=False).pk)

    def engine(user: User) -> tuple[float, int, object]:
        run = erasure_start(subject=user, actor=SystemActor("bench"), reason="benchmark", queue=False)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            run = erasure_run(erasure_id=run.pk)
            seconds = time.perf_counter() - started
        return seconds, len(queries.captured_queries), run

    engine_times, floor_times, runs = [], [], []
    engine_files, floor_files = [], []

    def timed_floor(user, names) -> None:
        DELETES.seconds = 0.0
        floor_times.append(floor(user, names)[0])
        floor_files.append(DELETES.seconds)

    for number, ((engine_user, engine_names), (floor_user, floor_names)) in enumerate(rounds):
        if number % 2:
            timed_floor(floor_user, floor_names)
        DELETES.seconds = 0.0
        seconds, statements, run = engine(engine_user)
        engine_times.append(seconds)
        engine_files.append(DELETES.seconds)
        runs.append((run, engine_user, engine_names))
        if not number % 2:
            timed_floor(floor_user, floor_names)

    engine_best, floor_best = min(engine_times), min(floor_times)
    print(
        f"database: {connection.vendor}; {args.calls:,} call records and {args.files:,} content items "
        f"(+ history rows) with files of {args.kb} KB; best of {args.runs}"
    )
    print(f"engine:  {engine_best:8.2f}s  {statements:,} SQL statements over every registered table")
    print(f"         runs: {', '.join(f'{t:.3f}' for t in engine_times)}")
    print(f"         of which deleting files: {', '.join(f'{t:.3f}' for t in engine_files)}")
    print(f"floor:   {floor_best:8.2f}s  3 SQL statements + {args.files:,} file deletes")
    print(f"         runs: {', '.join(f'{t:.3f}' for t in floor_times)}")
    print(f"         of which deleting files: {', '.join(f'{t:.3f}' for t in floor_files)}")
    print(f"ratio engine/floor: {engine_best / floor_best:.2f}x   (target: within 2x)")
    for run, engine_user, engine_names in runs:
        left_files = sum(STORAGE.exists(n) for n in engine_names)
        table = next(t for t in run.certificate["tables"] if t["model"] == "service_data.ContentItem")
        if run.status != "completed" or left_files or table["files_deleted"] != args.files:
            raise SystemExit("FAIL: the erased customer's files are not all gone and listed")
        if (
            CallRecord.objects.filter(owner=engine_user).exists()
            or ContentItem.objects.filter(owner=engine_user).exists()
        ):
            raise SystemExit("FAIL: rows of the erased customer are left")
    print(f"certificates: {run.status}; content files deleted {table['files_deleted']:,}, pending {left_files}")
    if not all(STORAGE.exists(n) for n in bystander_names) or not CallRecord.objects.filter(owner=bystander).exists():
        raise SystemExit("FAIL: the bystander's data was touched")


if __name__ == "__main__":
    main()
