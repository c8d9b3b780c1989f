"""`make run`'s demo: the named customers have a little of every kind, with real small files."""

from __future__ import annotations

import hashlib

import pytest
from django.core.management import call_command

from apps.accounts.demo import CUSTOMER_EMAILS
from apps.accounts.models import User
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

pytestmark = pytest.mark.django_db


def test_the_named_customers_get_every_kind_once():
    call_command("seed_demo", "--customers", "0", "--quiet-logins")
    alice, bao = (User.objects.get(email=email) for email in CUSTOMER_EMAILS)
    for customer in (alice, bao):
        kinds = set(ContentItem.objects.filter(owner=customer).values_list("kind", flat=True))
        assert kinds == {"document", "image", "voice_clip"}
        for item in ContentItem.objects.filter(owner=customer):
            with item.file.open("rb") as handle:
                data = handle.read()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (item.size, item.sha256)
        assert SharedPost.objects.filter(author=customer, picture__isnull=False).exists()
        for model, owner in (
            (CalendarEntry, "owner"),
            (LocationRecord, "owner"),
            (ProductConfiguration, "owner"),
            (UsageEvent, "owner"),
            (CallRecord, "owner"),
            (SupportCommunication, "customer"),
        ):
            assert model.objects.filter(**{owner: customer}).exists(), model.__name__
    png = ContentItem.objects.get(owner=alice, kind="image")
    with png.file.open("rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    wav = ContentItem.objects.get(owner=alice, kind="voice_clip")
    with wav.file.open("rb") as handle:
        assert handle.read(4) == b"RIFF"

    counts = (ContentItem.objects.count(), UsageEvent.objects.count(), CallRecord.objects.count())
    call_command("seed_demo", "--customers", "0", "--quiet-logins")
    assert (ContentItem.objects.count(), UsageEvent.objects.count(), CallRecord.objects.count()) == counts


def test_the_demo_invoices_are_paid_except_baos_latest_which_holds_his_financial_data():
    from apps.retention.models import LegalHold
    from apps.service_data.models import Invoice

    call_command("seed_demo", "--customers", "0", "--quiet-logins")
    alice, bao = (User.objects.get(email=email) for email in CUSTOMER_EMAILS)
    assert list(Invoice.objects.filter(customer=alice).values_list("status", flat=True)) == ["paid", "paid"]
    assert sorted(Invoice.objects.filter(customer=bao).values_list("status", flat=True)) == ["open", "paid"]
    debts = LegalHold.objects.filter(reason=LegalHold.Reason.UNPAID_DEBT, released_at__isnull=True)
    assert not debts.filter(subject=alice).exists()
    # The invoice's own hold (the retention demo places another, wider one of its own).
    assert ["financial"] in list(debts.filter(subject=bao).values_list("categories", flat=True))
