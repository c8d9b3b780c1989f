"""Factories for the reference service app's rows (tests/service_data and the engines' tests)."""

import hashlib
from datetime import timedelta
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

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
from tests.factories import UserFactory


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
