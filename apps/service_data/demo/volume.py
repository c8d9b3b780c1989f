"""Demo data of the service app.

``seed_customers`` gives the generated customers of ``seed_demo --customers N`` their service
data, in proportions like a real service's (per customer on average: ~10 calls, ~20 usage
events, ~2 documents, ~1 paid invoice with its payment, a few location records and calendar
entries for those who allow them, support messages for about a third, a product
configuration), with the bulk insert path (apps/core/bulk.py) and one INSERT … SELECT per
history table, so 1 000 000 customers (10 000 000 call records) stays a matter of minutes.

Files: every generated document has a tiny file of its own (a few dozen bytes of text,
unique to it) written to the content storage. A file shared by many rows would be deleted by
the first erasure of any of them, and rows naming no file are not valid content items (the
model's file is required); so each row gets its own, and the volume costs one small file per
document (about 2 000 000 for a million customers: a few gigabytes of filesystem blocks).

Generated invoices are all paid: an unpaid one places a financial legal hold through the
billing services (P-42), which a bulk insert would bypass; unpaid invoices belong to the
named demo customers, made through those services.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
import zlib
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import connection, models

from apps.core.bulk import insert_rows
from apps.service_data.models import (
    CalendarEntry,
    CallRecord,
    ContentItem,
    Invoice,
    LocationRecord,
    OptionalKindRefusal,
    Payment,
    ProductConfiguration,
    SupportCommunication,
    UsageEvent,
)

HISTORY_REASON = "demo data [system:seed_demo]"
CARD = "Visa •••• 4242"  # what a processor lets us show: brand and last four, never the number
FEATURES = [
    ("playlists", "opened"),
    ("playlists", "edited"),
    ("search", "searched"),
    ("player", "played"),
    ("player", "skipped"),
    ("calls", "started"),
    ("settings", "changed"),
    ("sharing", "shared"),
]
PLACES = [
    (Decimal("51.507400"), Decimal("-0.127800")),
    (Decimal("53.480800"), Decimal("-2.242600")),
    (Decimal("21.028500"), Decimal("105.854200")),
    (Decimal("10.823100"), Decimal("106.629700")),
]
SUPPORT_TOPICS = [
    ("My playlist disappeared", "Hello, a playlist I made last week is no longer there."),
    ("Refund for a double charge", "I was charged twice this month; could you refund one?"),
    ("Cannot sign in", "The app says my password is wrong, but I just reset it."),
]


def _uuid(value: uuid.UUID):
    # As the accounts loader does: SQLite's UUID column holds the hex string.
    return value.hex if connection.vendor == "sqlite" else value


def seed_customers(users: Sequence, numbers: Sequence[int], now) -> None:
    """Service data for newly created generated customers (``users[k]`` is customer number
    ``numbers[k]``); deterministic per number, so a re-run makes the same data."""
    content_storage = ContentItem._meta.get_field("file").storage
    rows: dict[type[models.Model], list[tuple]] = {model: [] for model in COLUMNS}
    for user, number in zip(users, numbers, strict=True):
        rng = random.Random(number * 104729)
        joined = user.date_joined
        span = max(1, int((now - joined).total_seconds()))

        def moment(rng=rng, joined=joined, span=span):
            return joined + timedelta(seconds=rng.randrange(span))

        for _ in range(rng.randint(5, 15)):
            rows[CallRecord].append(
                (
                    user.pk,
                    moment(),
                    rng.choice(("outgoing", "incoming")),
                    f"+4420794{rng.randrange(100000):05d}",
                    rng.randint(5, 1800),
                    Decimal(rng.randint(0, 900)) / 1000,
                    "USD",
                )
            )
        for _ in range(rng.randint(10, 30)):
            feature, action = rng.choice(FEATURES)
            rows[UsageEvent].append((user.pk, moment(), feature, action))
        for k in range(rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4))):
            rows[ContentItem].append(_document(content_storage, user.pk, number, k, moment(), now))
        refuses_location = rng.random() < 0.1
        if refuses_location:
            rows[OptionalKindRefusal].append((user.pk, "location", moment()))
        elif rng.random() < 0.4:
            lat, lon = rng.choice(PLACES)
            for _ in range(rng.randint(1, 5)):
                jitter = Decimal(rng.randint(-5000, 5000)) / 1_000_000
                rows[LocationRecord].append((user.pk, moment(), lat + jitter, lon + jitter, rng.randint(5, 200)))
        if rng.random() < 0.3:
            for k in range(rng.randint(1, 4)):
                starts = now + timedelta(days=rng.randint(-60, 60), hours=rng.randint(8, 18))
                google = rng.random() < 0.5
                rows[CalendarEntry].append(
                    (
                        _uuid(uuid.uuid4()),
                        user.pk,
                        "google" if google else "manual",
                        f"demo-{number}-{k}" if google else "",
                        rng.choice(("Dentist", "Team meeting", "Concert", "Call with Mum")),
                        starts,
                        starts + timedelta(hours=1),
                        "",
                        "",
                        now,
                        now,
                    )
                )
        if rng.random() < 0.8:
            configuration = {"theme": rng.choice(("light", "dark")), "autoplay": rng.random() < 0.5}
            rows[ProductConfiguration].append((user.pk, json.dumps(configuration), now, now))
        if rng.random() < 0.3:
            for _ in range(rng.randint(1, 2)):
                subject_line, body = rng.choice(SUPPORT_TOPICS)
                rows[SupportCommunication].append(
                    (_uuid(uuid.uuid4()), user.pk, "email", "from_customer", moment(), subject_line, body)
                )
        for k in range(rng.choice((0, 1, 1, 1, 2))):
            issued = (now - timedelta(days=30 * (k + 1))).date()
            rows[Invoice].append(
                (
                    _uuid(uuid.uuid4()),
                    user.pk,
                    f"DEMO-{number:07d}-{k}",
                    issued,
                    issued + timedelta(days=14),
                    "Premium plan, one month",
                    Decimal("9.99"),
                    "USD",
                    "paid",
                    now,
                    user.full_name,
                    user.mailing_address,
                    now,
                    now,
                )
            )
    for model, columns in COLUMNS.items():
        if model is not Payment:
            insert_rows(model, columns, rows[model])
    _payments(users)
    user_ids = [u.pk for u in users]
    for model, (owner, dated_by) in HISTORY.items():
        _history_from_live(model, owner, dated_by, user_ids)


def _document(storage, owner_id: int, number: int, k: int, when, now) -> tuple:
    token = uuid.uuid4().hex
    name = f"content/{token[:2]}/{token}.txt"
    data = f"Notes {k + 1} of demo customer {number}, {token[:8]}.\n".encode()
    if isinstance(storage, FileSystemStorage):
        # Straight to disk: storage.save() checks and creates folders for every file, and a
        # million customers have two million files.
        path = Path(storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    else:
        name = storage.save(name, ContentFile(data))
    return (
        _uuid(uuid.uuid4()),
        owner_id,
        "document",
        f"Notes {k + 1}",
        name,
        f"notes-{k + 1}.txt",
        "text/plain",
        len(data),
        hashlib.sha256(data).hexdigest(),
        zlib.crc32(data),
        when,
        now,
    )


def _payments(users: Sequence) -> None:
    # One succeeded payment per paid invoice, read back by the invoices' numbers.
    invoices = Invoice.objects.filter(customer_id__in=[u.pk for u in users], number__startswith="DEMO-")
    paid = invoices.values_list("pk", "customer_id", "number", "amount", "paid_at")
    insert_rows(
        Payment,
        COLUMNS[Payment],
        (
            (_uuid(uuid.uuid4()), pk, customer, "stripe", f"pi_demo_{number}", amount, "USD", "succeeded", CARD, at, at)
            for pk, customer, number, amount, at in paid
        ),
    )


def _history_from_live(model: type[models.Model], owner: str, dated_by: str, user_ids: list[int]) -> None:
    """Each new row's creation in its history table, copied by the database in one statement."""
    history = model.history.model  # type: ignore[attr-defined]
    columns = [str(f.column) for f in model._meta.concrete_fields]
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(user_ids))
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} "  # noqa: S608 (names from model metadata)
        f"({', '.join(quote(c) for c in columns)}, history_date, history_type, history_change_reason) "
        f"SELECT {', '.join(quote(c) for c in columns)}, {quote(dated_by)}, '+', %s "
        f"FROM {quote(model._meta.db_table)} WHERE {quote(owner)} IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [HISTORY_REASON, *user_ids])


COLUMNS: dict[type[models.Model], tuple[str, ...]] = {
    CallRecord: ("owner_id", "started_at", "direction", "other_party", "duration_seconds", "cost", "currency"),
    UsageEvent: ("owner_id", "occurred_at", "feature", "action"),
    ContentItem: (
        "reference",
        "owner_id",
        "kind",
        "title",
        "file",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "crc32",
        "created_at",
        "updated_at",
    ),
    OptionalKindRefusal: ("subject_id", "kind", "refused_at"),
    LocationRecord: ("owner_id", "recorded_at", "latitude", "longitude", "accuracy_m"),
    CalendarEntry: (
        "reference",
        "owner_id",
        "source",
        "external_id",
        "title",
        "starts_at",
        "ends_at",
        "location",
        "description",
        "created_at",
        "updated_at",
    ),
    ProductConfiguration: ("owner_id", "settings", "created_at", "updated_at"),
    SupportCommunication: (
        "reference",
        "customer_id",
        "channel",
        "direction",
        "occurred_at",
        "subject_line",
        "body",
    ),
    Invoice: (
        "reference",
        "customer_id",
        "number",
        "issued_on",
        "due_on",
        "description",
        "amount",
        "currency",
        "status",
        "paid_at",
        "billing_name",
        "billing_address",
        "created_at",
        "updated_at",
    ),
    Payment: (
        "reference",
        "invoice_id",
        "customer_id",
        "processor",
        "processor_reference",
        "amount",
        "currency",
        "status",
        "method_summary",
        "created_at",
        "updated_at",
    ),
}
# Tables with simple-history: the column naming the customer, and the one dating the row.
HISTORY: dict[type[models.Model], tuple[str, str]] = {
    ContentItem: ("owner_id", "created_at"),
    OptionalKindRefusal: ("subject_id", "refused_at"),
    CalendarEntry: ("owner_id", "created_at"),
    SupportCommunication: ("customer_id", "occurred_at"),
    Invoice: ("customer_id", "created_at"),
    Payment: ("customer_id", "created_at"),
}
