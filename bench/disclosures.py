"""Benchmark: the disclosure register under concurrent writers, and verifying a long chain.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/privacy_portal_bench \\
        .venv/bin/python bench/disclosures.py [--writers 8] [--appends 250] [--entries 1000000]

1. ``writers`` processes append ``appends`` entries each through the service, at once;
   prints entries per second (target: at least 1 000/s on PostgreSQL) and checks the chain.
2. A register of ``entries`` chained entries (bulk-loaded with the same hash function) is
   verified, against a plain sequential read of the same rows (target: within 3x).
Needs PostgreSQL for part 1 (SQLite has one writer at a time by design).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def _setup() -> None:
    import django

    django.setup()


def _writer(args: tuple[int, int, int, int, int, list[int]]) -> tuple[int, float, float]:
    worker, appends, batch, recipient_id, actor_id, subject_ids = args
    _setup()
    from django.db import connection
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.disclosures.models import Recipient
    from apps.disclosures.services.register import disclosure_record, disclosure_record_many

    recipient = Recipient.objects.get(pk=recipient_id)
    actor = User.objects.get(pk=actor_id)
    subjects = list(User.objects.filter(pk__in=subject_ids))
    started = time.time()

    def entry(i: int) -> dict:
        return {
            "recipient": recipient,
            "subjects": [subjects[(worker + i) % len(subjects)]],
            "data_categories": ["contact"],
            "description": f"Writer {worker} entry {i}",
            "disclosed_at": timezone.now(),
            "reason": "Benchmark",
            "legal_basis": "legal_obligation",
        }

    if batch == 1:
        for i in range(appends):
            disclosure_record(**entry(i), actor=actor)
    else:
        for start in range(0, appends, batch):
            disclosure_record_many([entry(i) for i in range(start, min(appends, start + batch))], actor=actor)
    finished = time.time()
    connection.close()
    return appends, started, finished


def reset() -> None:
    from django.db import connection

    from apps.disclosures.models import ChainAnchor, ChainHead, Disclosure, DisclosureSubject

    with connection.cursor() as cursor:
        for model in (DisclosureSubject, Disclosure.history.model, Disclosure, ChainAnchor, ChainHead):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def concurrent_writers(writers: int, appends: int, batch: int) -> None:
    from apps.accounts.models import User
    from apps.disclosures.models import Recipient
    from apps.disclosures.selectors.register import verify_chain

    reset()
    recipient, _ = Recipient.objects.get_or_create(name="Bench Court", defaults={"category": "court", "country": "GB"})
    actor, _ = User.objects.get_or_create(email="bench-officer@bench.example", defaults={"is_staff": True})
    subjects = [User.objects.get_or_create(email=f"bench-subject-{i}@bench.example")[0] for i in range(16)]
    jobs = [(w, appends, batch, recipient.pk, actor.pk, [s.pk for s in subjects]) for w in range(writers)]
    from django.db import connections

    connections.close_all()  # children open their own
    with multiprocessing.get_context("fork").Pool(writers) as pool:
        results = pool.map(_writer, jobs)
    # From the first append to the last, leaving out the workers' start-up.
    total = sum(appends for appends, _, _ in results)
    seconds = max(end for _, _, end in results) - min(start for _, start, _ in results)
    checked, broken = verify_chain()
    print(
        f"{writers} concurrent writers, {'one entry' if batch == 1 else f'{batch} entries'} per transaction: "
        f"{total:,} entries in {seconds:.2f}s = {total / seconds:,.0f} entries/s "
        f"(target: at least 1 000/s); chain {'intact' if broken is None else 'BROKEN: ' + broken.problem}, "
        f"{checked:,} entries"
    )
    if broken is not None or checked != total:
        raise SystemExit("FAIL: the chain did not hold under concurrent writers")


def long_chain(entries: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.core.bulk import insert_rows
    from apps.disclosures.domain import GENESIS, compute_hash, content_of
    from apps.disclosures.models import ChainHead, Disclosure, DisclosureSubject, Recipient
    from apps.disclosures.selectors.register import verify_chain

    reset()
    recipient = Recipient.objects.get(name="Bench Court")
    actor = User.objects.get(email="bench-officer@bench.example")
    import uuid

    now = timezone.now()
    previous = GENESIS
    batch = 20_000
    started = time.perf_counter()
    for start in range(1, entries + 1, batch):
        rows, links = [], []
        for sequence in range(start, min(entries, start + batch - 1) + 1):
            reference = uuid.uuid4()
            values = {
                "sequence": sequence,
                "reference": reference,
                "recipient_id": recipient.pk,
                "data_categories": ["contact"],
                "description": f"Entry {sequence}",
                "disclosed_at": now,
                "reason": "Benchmark",
                "legal_basis": "legal_obligation",
                "external_reference": "",
                "requested_by": "",
                "approved_by_id": None,
                "recorded_by_id": actor.pk,
                "amends_id": None,
            }
            subject = f"{sequence % 997:064x}"
            entry_hash = compute_hash(previous, content_of(values, [subject]))
            rows.append(
                (
                    sequence,
                    reference if connection.vendor != "sqlite" else reference.hex,
                    recipient.pk,
                    '["contact"]',
                    values["description"],
                    now,
                    "Benchmark",
                    "legal_obligation",
                    "",
                    "",
                    None,
                    actor.pk,
                    None,
                    "visible",
                    "",
                    None,
                    "not_required",
                    previous,
                    entry_hash,
                    now,
                )
            )
            links.append((sequence, subject))
            previous = entry_hash
        insert_rows(
            Disclosure,
            (
                "sequence",
                "reference",
                "recipient_id",
                "data_categories",
                "description",
                "disclosed_at",
                "reason",
                "legal_basis",
                "external_reference",
                "requested_by",
                "approved_by_id",
                "recorded_by_id",
                "amends_id",
                "visibility",
                "withheld_reason",
                "withheld_review_date",
                "notification_status",
                "previous_hash",
                "entry_hash",
                "created_at",
            ),
            rows,
        )
        ids = dict(
            Disclosure.objects.filter(sequence__gte=start, sequence__lt=start + batch).values_list("sequence", "pk")
        )
        insert_rows(DisclosureSubject, ("disclosure_id", "subject_reference"), ((ids[s], r) for s, r in links))
    ChainHead.objects.update_or_create(singleton=True, defaults={"sequence": entries, "entry_hash": previous})
    print(f"loaded {entries:,} chained entries in {time.perf_counter() - started:.1f}s")

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Disclosure._meta.db_table} ORDER BY sequence")
        read = 0
        while chunk := cursor.fetchmany(5000):
            read += len(chunk)
    floor = time.perf_counter() - started
    started = time.perf_counter()
    checked, broken = verify_chain()
    verify = time.perf_counter() - started
    print(
        f"verify {checked:,} entries: {verify:.2f}s; plain sequential read of {read:,} rows: {floor:.2f}s; "
        f"ratio {verify / floor:.2f}x (target: within 3x); chain {'intact' if broken is None else 'BROKEN'}"
    )
    if broken is not None:
        raise SystemExit("FAIL: the bulk-loaded chain does not verify")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--appends", type=int, default=250)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=50, help="entries per transaction in the batched run")
    options = parser.parse_args()
    _setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        concurrent_writers(options.writers, options.appends, batch=1)
        concurrent_writers(options.writers, options.appends * 4, batch=options.batch)
    else:
        print("concurrent writers: skipped on SQLite (one writer at a time by design); set DATABASE_URL")
        concurrent_writers(1, options.appends, batch=1)
        concurrent_writers(1, options.appends, batch=options.batch)
    long_chain(options.entries)


if __name__ == "__main__":
    main()
