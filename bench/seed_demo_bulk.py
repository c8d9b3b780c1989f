"""Benchmark: seed_demo's bulk load against a per-object save() loop of the same customers.

    .venv/bin/python bench/seed_demo_bulk.py [N]        (default N=2000; DATABASE_URL to use PostgreSQL)

Runs on a throwaway database (a temporary SQLite file unless DATABASE_URL is set) and
prints the ratio; the floor and the loop are measured in the same run.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
scratch = tempfile.mkdtemp(prefix="portal-bench-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.demo import _customer, login_events, seed_demo  # noqa: E402
from apps.accounts.models import LoginEvent, PublicProfile, User  # noqa: E402


def per_object_loop(n: int, offset: int) -> None:
    """What a naive seeder does: one save() per row, signals and history included."""
    import random

    password_hash = make_password("bench")
    now = timezone.now()
    with transaction.atomic():
        for i in range(offset + 1, offset + n + 1):
            user = _customer(i, password_hash, now)
            user.email = f"loop{i:06d}@bench.example"
            user.save()
            PublicProfile.objects.create(user=user, handle=f"loop-{i:06d}")
            for event in login_events(user, 2, random.Random(i), now):
                event.save()
            if apps.is_installed("apps.service_data"):
                service_rows(user, i, now)


def service_rows(user, i: int, now) -> None:
    """The service data seed_demo gives a customer (about the same amounts), one save() each."""
    from decimal import Decimal

    from django.core.files.base import ContentFile

    from apps.service_data.models import CallRecord, ContentItem, Invoice, Payment, UsageEvent

    for k in range(10):
        CallRecord.objects.create(
            owner=user,
            started_at=now,
            direction="outgoing",
            other_party="+442079460000",
            duration_seconds=60 + k,
            cost=Decimal("0.05"),
        )
    for _ in range(20):
        UsageEvent.objects.create(owner=user, feature="player", action="played")
    for k in range(2):
        data = f"Notes {k} of loop customer {i}".encode()
        ContentItem.objects.create(
            owner=user,
            kind="document",
            title=f"Notes {k}",
            file=ContentFile(data, name="notes.txt"),
            original_name="notes.txt",
            content_type="text/plain",
            size=len(data),
            sha256="0" * 64,
        )
    invoice = Invoice.objects.create(
        customer=user,
        number=f"LOOP-{i:07d}",
        issued_on=now.date(),
        due_on=now.date(),
        description="Premium",
        amount=Decimal("9.99"),
        status="paid",
        paid_at=now,
        billing_name=user.full_name,
    )
    Payment.objects.create(
        invoice=invoice, customer=user, processor="stripe", processor_reference=f"pi_loop_{i}",
        amount=Decimal("9.99"), status="succeeded",
    )  # fmt: skip


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed_demo(customers=n)
    bulk = time.perf_counter() - started
    started = time.perf_counter()
    per_object_loop(n, offset=n)
    loop = time.perf_counter() - started
    print(f"customers: {n}  database: {django.db.connection.vendor}")
    print(f"bulk seed_demo: {bulk:.2f}s  ({n / bulk:,.0f} customers/s, {LoginEvent.objects.count():,} login events)")
    print(f"per-object save() loop: {loop:.2f}s  ({n / loop:,.0f} customers/s)")
    print(f"ratio: bulk is {loop / bulk:.1f}x faster than the loop (users now: {User.objects.count():,})")
    if apps.is_installed("apps.service_data"):
        from apps.service_data.models import CallRecord, ContentItem, Invoice, UsageEvent

        counts = ", ".join(
            f"{m.objects.count():,} {m._meta.verbose_name_plural}"
            for m in (CallRecord, UsageEvent, ContentItem, Invoice)
        )
        print(f"service data (both loads): {counts}")


if __name__ == "__main__":
    main()
