"""Factories for the service app's rows (billing and retention tests).

Invoices and payments are made through the billing services, not here: their legal hold is
part of what an invoice is.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from apps.service_data.models import (
    CalendarEntry,
    CallRecord,
    ContentItem,
    LocationRecord,
    ProductConfiguration,
    SharedPost,
    SupportCommunication,
    UsageEvent,
)


class ContentItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContentItem

    kind = ContentItem.Kind.DOCUMENT
    title = factory.Sequence(lambda n: f"Document {n}")
    file = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4 test", name="notes.pdf"))
    original_name = "notes.pdf"
    content_type = "application/pdf"
    size = 13
    sha256 = hashlib.sha256(b"%PDF-1.4 test").hexdigest()


class SharedPostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SharedPost

    text = "Our trip, day one"


class CalendarEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarEntry

    source = CalendarEntry.Source.MANUAL
    title = "Dentist"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))


class LocationRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocationRecord

    latitude = Decimal("10.776900")
    longitude = Decimal("106.700900")


class ProductConfigurationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductConfiguration

    settings = factory.LazyFunction(lambda: {"theme": "dark"})


class UsageEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UsageEvent

    feature = "mixer"
    action = "opened"


class CallRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallRecord

    started_at = factory.LazyFunction(timezone.now)
    direction = CallRecord.Direction.OUTGOING
    other_party = "+84 28 3822 0000"
    duration_seconds = 120
    cost = Decimal("0.1200")


class SupportCommunicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportCommunication

    channel = SupportCommunication.Channel.EMAIL
    direction = SupportCommunication.Direction.FROM_CUSTOMER
    subject_line = "My bill"
    body = "Why is it higher this month?"
