"""Real files of each kind, made in the test (no fixtures on disk), and a way to upload them.

Each is the smallest file that is truly of its type: a WAV written by the ``wave`` module, an
Ogg page holding an Opus header, a ZIP laid out as DOCX or ODT, images drawn by Pillow.

Rows of every other kind (billing and retention tests) come from the factory classes below;
invoices and payments are made through the billing services, not here: their legal hold is
part of what an invoice is.
"""

from __future__ import annotations

import hashlib
import io
import struct
import wave
import zipfile
import zlib
from datetime import timedelta
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from apps.core.actors import SystemActor
from apps.core.clock import organisation_today
from apps.service_data.models import (
    CalendarEntry,
    CallRecord,
    ContentItem,
    Invoice,
    LocationRecord,
    OptionalKindRefusal,
    Payment,
    ProductConfiguration,
    SharedPost,
    SupportCommunication,
    UsageEvent,
)
from apps.service_data.services.content import content_upload
from tests.factories import UserFactory


def wav_bytes(seconds: float = 0.1, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(rate)
        clip.writeframes(b"\x00\x01" * int(seconds * rate))
    return out.getvalue()


def _ogg_page(packet: bytes) -> bytes:
    header = b"OggS" + bytes([0, 2]) + b"\x00" * 8 + struct.pack("<II", 1, 0) + b"\x00" * 4
    return header + bytes([1, len(packet)]) + packet


def opus_bytes() -> bytes:
    return _ogg_page(b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", 312, 48000, 0, 0))


def theora_bytes() -> bytes:
    """An Ogg file that carries video, not audio."""
    return _ogg_page(b"\x80theora" + b"\x00" * 34)


def image_bytes(fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (6, 6), (20, 120, 200)).save(out, format=fmt)
    return out.getvalue()


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def odt_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "not a document")
    return out.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4_bytes(brand: bytes = b"isom", compatible: bytes = b"isommp41") -> bytes:
    return _box(b"ftyp", brand + b"\x00\x00\x00\x00" + compatible) + _box(b"mdat", b"\x00" * 64)


def webm_bytes() -> bytes:
    return bytes.fromhex("1a45dfa39f4282") + b"\x84webm" + b"\x00" * 64


def upload_file(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def uploaded_item(owner, kind: str = "voice_clip", *, name: str = "clip.wav", content: bytes | None = None, title=""):
    """A content item made the way a customer makes one: through the upload service."""
    content = wav_bytes() if content is None else content
    return content_upload(
        owner=owner, kind=kind, title=title, uploaded_file=upload_file(name, content), actor=SystemActor("tests")
    )


class ContentItemFactory(factory.django.DjangoModelFactory):
    """A content item with a real file in the content storage (``data`` sets its bytes)."""

    class Meta:
        model = ContentItem

    class Params:
        data = b"%PDF-1.4 a small test document\n"

    owner = factory.SubFactory(UserFactory)
    kind = ContentItem.Kind.DOCUMENT
    title = factory.Sequence(lambda n: f"Document {n}")
    original_name = factory.Sequence(lambda n: f"document-{n}.pdf")
    content_type = "application/pdf"
    size = factory.LazyAttribute(lambda o: len(o.data))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.data).hexdigest())
    crc32 = factory.LazyAttribute(lambda o: zlib.crc32(o.data))
    file = factory.LazyAttribute(lambda o: ContentFile(o.data, name=o.original_name))


class SharedPostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SharedPost

    author = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Shared thought number {n}")


class CalendarEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarEntry

    owner = factory.SubFactory(UserFactory)
    source = CalendarEntry.Source.MANUAL
    title = factory.Sequence(lambda n: f"Meeting {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    location = "Room 4, 1 High Street"


class LocationRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocationRecord

    owner = factory.SubFactory(UserFactory)
    latitude = Decimal("51.507400")
    longitude = Decimal("-0.127800")
    accuracy_m = 20


class ProductConfigurationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductConfiguration

    owner = factory.SubFactory(UserFactory)
    settings = factory.LazyFunction(lambda: {"theme": "dark", "autoplay": False})


class UsageEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UsageEvent

    owner = factory.SubFactory(UserFactory)
    feature = "playlists"
    action = "opened"


class CallRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallRecord

    owner = factory.SubFactory(UserFactory)
    started_at = factory.LazyFunction(timezone.now)
    direction = CallRecord.Direction.OUTGOING
    other_party = "+442079460000"
    duration_seconds = 125
    cost = Decimal("0.1200")


class SupportCommunicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportCommunication

    customer = factory.SubFactory(UserFactory)
    channel = SupportCommunication.Channel.EMAIL
    direction = SupportCommunication.Direction.FROM_CUSTOMER
    subject_line = "My playlist disappeared"
    body = "Hello, my playlist called Road Trip is gone."


class OptionalKindRefusalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OptionalKindRefusal

    subject = factory.SubFactory(UserFactory)
    kind = "location"


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    customer = factory.SubFactory(UserFactory)
    number = factory.Sequence(lambda n: f"INV-T{n:06d}")
    issued_on = factory.LazyFunction(organisation_today)
    due_on = factory.LazyFunction(lambda: organisation_today() + timedelta(days=30))
    description = "Premium plan, one month"
    amount = Decimal("9.99")
    status = Invoice.Status.PAID
    billing_name = factory.LazyAttribute(lambda o: o.customer.full_name if o.customer else "Someone")
    billing_address = "1 High Street\nLondon"


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    invoice = factory.SubFactory(InvoiceFactory)
    customer = factory.LazyAttribute(lambda o: o.invoice.customer)
    processor = "stripe"
    processor_reference = factory.Sequence(lambda n: f"pi_test_{n:08d}")
    amount = Decimal("9.99")
    status = Payment.Status.SUCCEEDED
    method_summary = "Visa •••• 4242"
