"""Demo data for `make run`: a little of every kind for the named customers (Alice, Bảo).

Found by apps.accounts.demo (``app_demo_hooks``) because this module exists and the app is
installed; with PORTAL_SERVICE_DATA=off it is never imported. Files are small and real (a text
document, a PNG, a WAV), saved to the "content" storage, so the export, the erasure and staff
content access have bytes to work on. Generated customers (``seed_demo --customers N``) get
their volume from ``volume``. Invoices go through the billing services, so the unpaid one holds
Bảo's financial data as a real one would (P-42).
"""

from __future__ import annotations

import hashlib
import io
import struct
import wave
import zlib
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from apps.accounts.demo import SUPPORT_EMAIL, DemoSeed
from apps.accounts.models import User
from apps.core.actors import SystemActor
from apps.service_data.models import (
    CalendarEntry,
    CallRecord,
    ContentItem,
    LocationRecord,
    SharedPost,
    SupportCommunication,
    UsageEvent,
)
from apps.service_data.services.activity import product_configuration_set
from apps.service_data.services.billing import invoice_issue, payment_record
from apps.service_data.services.support import support_communication_record

SEEDER = SystemActor("demo")


def tiny_png(rgb: tuple[int, int, int] = (30, 120, 200), size: int = 16) -> bytes:
    """A real PNG of one colour, written by hand so the demo needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * size)) + chunk(b"IEND", b"")
    )


def tiny_wav(seconds: float = 0.5, rate: int = 8000) -> bytes:
    """Half a second of a quiet square wave: a voice clip small enough for a demo."""
    out = io.BytesIO()
    with wave.open(out, "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(1)
        clip.setframerate(rate)
        clip.writeframes(bytes(140 if (i // 20) % 2 else 116 for i in range(int(rate * seconds))))
    return out.getvalue()


def _file(owner: User, kind: str, title: str, name: str, content_type: str, data: bytes) -> ContentItem:
    item = ContentItem(
        owner=owner,
        kind=kind,
        title=title,
        original_name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        crc32=zlib.crc32(data),
    )
    item.file.save(name, ContentFile(data), save=False)
    item.save()
    return item


def seed(demo: DemoSeed) -> int:
    """Idempotent: a customer who already has service data is left as they are."""
    support = User.objects.filter(email=SUPPORT_EMAIL).first()
    seeded = 0
    for number, customer in enumerate(demo.customers):
        if UsageEvent.objects.filter(owner=customer).exists() or ContentItem.objects.filter(owner=customer).exists():
            continue
        _seed_customer(customer, number, support)
        seeded += 1
    return seeded


@transaction.atomic
def _seed_customer(customer: User, number: int, support: User | None) -> None:
    now = timezone.now()
    first_name = (customer.full_name or "Customer").split()[-1 if customer.preferred_language == "vi" else 0]

    _file(
        customer,
        ContentItem.Kind.DOCUMENT,
        "Tenancy agreement" if number == 0 else "Hợp đồng thuê nhà",
        "tenancy-agreement.txt",
        "text/plain",
        f"Tenancy agreement\nTenant: {customer.full_name}\nRent: 950 a month, due on the 1st.\n".encode(),
    )
    picture = _file(customer, ContentItem.Kind.IMAGE, "Holiday photo", "holiday.png", "image/png", tiny_png())
    _file(customer, ContentItem.Kind.VOICE_CLIP, "Voice note", "voice-note.wav", "audio/wav", tiny_wav())
    SharedPost.objects.create(author=customer, text=f"Sunset at the pier, from {first_name}", picture=picture)

    CalendarEntry.objects.bulk_create(
        [
            CalendarEntry(
                owner=customer,
                source=CalendarEntry.Source.GOOGLE if number == 0 else CalendarEntry.Source.MANUAL,
                external_id=f"demo{number}evt1" if number == 0 else "",
                title="Dentist",
                starts_at=now + timedelta(days=3, hours=2),
                ends_at=now + timedelta(days=3, hours=2, minutes=30),
                location="12 High Street",
            ),
            CalendarEntry(
                owner=customer,
                source=CalendarEntry.Source.MANUAL,
                title="Concert: The Quiet Lanterns",
                starts_at=now + timedelta(days=12, hours=8),
                location="Town Hall",
            ),
        ]
    )
    LocationRecord.objects.bulk_create(
        [
            LocationRecord(
                owner=customer,
                recorded_at=now - timedelta(days=day),
                latitude=Decimal("51.507200") + Decimal(day) / 1000 if number == 0 else Decimal("21.028500"),
                longitude=Decimal("-0.127600") if number == 0 else Decimal("105.854200") + Decimal(day) / 1000,
                accuracy_m=25,
            )
            for day in range(3)
        ]
    )
    product_configuration_set(
        owner=customer,
        # The demo product's setting names and values, marked so the customer reads them in Vietnamese.
        settings={
            gettext_noop("theme"): gettext_noop("dark") if number == 0 else gettext_noop("light"),
            gettext_noop("language"): customer.preferred_language or "en",
        },
        actor=SEEDER,
    )
    features = [("playlists", "open"), ("search", "query"), ("player", "play"), ("calls", "start")]
    UsageEvent.objects.bulk_create(
        [
            UsageEvent(owner=customer, occurred_at=now - timedelta(hours=6 * i), feature=f, action=a)
            for i, (f, a) in enumerate(features * 8)
        ]
    )
    CallRecord.objects.bulk_create(
        [
            CallRecord(
                owner=customer,
                started_at=now - timedelta(days=i, hours=3),
                direction=CallRecord.Direction.OUTGOING if i % 3 else CallRecord.Direction.INCOMING,
                other_party=f"+4477009001{i:02d}" if number == 0 else f"+849012345{i:02d}",
                duration_seconds=45 + 37 * i,
                cost=Decimal("0.0450") * (i + 1) if number == 0 else Decimal(500 * (i + 1)),
                currency="GBP" if number == 0 else "VND",
            )
            for i in range(12)
        ]
    )
    actor = support or SEEDER
    support_communication_record(
        customer=customer,
        channel=SupportCommunication.Channel.EMAIL,
        direction=SupportCommunication.Direction.FROM_CUSTOMER,
        subject_line="My voice note will not play",
        body="Hello, the voice note I recorded yesterday does not play on my phone. Can you help?",
        occurred_at=now - timedelta(days=2),
        actor=SEEDER,
    )
    support_communication_record(
        customer=customer,
        channel=SupportCommunication.Channel.PHONE,
        direction=SupportCommunication.Direction.TO_CUSTOMER,
        subject_line="Call about the voice note",
        body="Called the customer back. Asked permission to look at the file; request sent from the staff page.",
        occurred_at=now - timedelta(days=1),
        actor=actor,
    )
    _seed_invoices(customer, number, now)


def _seed_invoices(customer: User, number: int, now) -> None:
    """Two monthly invoices, paid through the processor; Bảo's latest is still unpaid, so a
    legal hold keeps his financial data until it is settled."""
    currency, amount = ("GBP", Decimal("9.99")) if number == 0 else ("VND", Decimal("99000"))
    for month in (2, 1):
        issued = (now - timedelta(days=30 * month)).date()
        invoice = invoice_issue(
            customer=customer,
            description="Pro plan, monthly",
            amount=amount,
            currency=currency,
            issued_on=issued,
            due_on=issued + timedelta(days=14),
            actor=SEEDER,
        )
        if number != 0 and month == 1:
            continue
        payment_record(
            invoice=invoice,
            processor="stripe",
            processor_reference=f"pi_demo_{customer.reference.hex[:12]}_{month}",
            amount=amount,
            currency=currency,
            status="succeeded",
            method_summary="Visa •••• 4242",
            actor=SEEDER,
        )
