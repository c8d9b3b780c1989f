"""``seed_demo --customers N`` gives generated customers service data in realistic
proportions, each document with a file of its own."""

from __future__ import annotations

import hashlib

import pytest
from django.core.management import call_command
from django.db.models import Count

from apps.accounts.models import User
from apps.service_data.models import (
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

pytestmark = pytest.mark.django_db

N = 40


def generated() -> list[int]:
    return list(
        User.objects.filter(email__startswith="customer", email__endswith="@demo.example").values_list("pk", flat=True)
    )


def test_it_generates_service_data_in_proportion_with_a_file_per_document():
    call_command("seed_demo", customers=N, quiet_logins=True)
    ids = generated()
    assert len(ids) == N
    calls = CallRecord.objects.filter(owner_id__in=ids).count()
    usage = UsageEvent.objects.filter(owner_id__in=ids).count()
    assert 7 * N <= calls <= 13 * N
    assert 15 * N <= usage <= 25 * N
    # Most customers have calls, usage, a configuration; fewer have the optional kinds.
    assert CallRecord.objects.filter(owner_id__in=ids).values("owner_id").distinct().count() == N
    assert 0.5 * N <= ProductConfiguration.objects.filter(owner_id__in=ids).count() <= N
    assert 0 < SupportCommunication.objects.filter(customer_id__in=ids).count() < 2 * N
    refusing = set(
        OptionalKindRefusal.objects.filter(subject_id__in=ids, kind="location").values_list("subject_id", flat=True)
    )
    located = set(LocationRecord.objects.filter(owner_id__in=ids).values_list("owner_id", flat=True))
    assert located
    assert not refusing & located  # who refused location has none recorded

    items = list(ContentItem.objects.filter(owner_id__in=ids))
    assert N <= len(items) <= 3 * N
    storage = ContentItem._meta.get_field("file").storage
    assert len({item.file.name for item in items}) == len(items)  # no file shared by two rows
    for item in items:
        with storage.open(item.file.name) as handle:
            data = handle.read()
        assert hashlib.sha256(data).hexdigest() == item.sha256
        assert len(data) == item.size
    # Their creation is in the history tables, as if made through the services.
    assert ContentItem.history.filter(owner_id__in=ids, history_type="+").count() == len(items)

    invoices = Invoice.objects.filter(customer_id__in=ids)
    assert invoices.exists()
    assert not invoices.exclude(status=Invoice.Status.PAID).exists()  # unpaid ones would need a hold
    assert invoices.annotate(n=Count("payments")).filter(n=1).count() == invoices.count()
    assert Payment.objects.filter(customer_id__in=ids).count() == invoices.count()


def test_it_adds_only_what_is_missing_when_run_again():
    call_command("seed_demo", customers=5, quiet_logins=True)
    counts = (CallRecord.objects.count(), ContentItem.objects.count(), Invoice.objects.count())
    call_command("seed_demo", customers=5, quiet_logins=True)
    assert (CallRecord.objects.count(), ContentItem.objects.count(), Invoice.objects.count()) == counts
    call_command("seed_demo", customers=6, quiet_logins=True)
    assert CallRecord.objects.count() > counts[0]
