"""Erasing a customer of the reference service app: every kind of row, the stored files
(gone from storage, listed on the certificate without their names) and a storage that is
briefly away (the run waits, the reconciler sends it again, the files go)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.bulk import insert_rows
from apps.core.jobs import job_run, jobs_reconcile
from apps.core.models import Job
from apps.personal_data.erasure.batches import FilesPending, stored_name_hash
from apps.personal_data.erasure.run import _batch_sizes, erasure_carry_out_here, erasure_start
from apps.personal_data.models import ErasureRun
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
from tests.helpers.storage import FlakyStorage
from tests.personal_data.test_erasure import ACTOR, certificate_table, erase
from tests.service_data.factories import (
    CalendarEntryFactory,
    CallRecordFactory,
    ContentItemFactory,
    LocationRecordFactory,
    OptionalKindRefusalFactory,
    PaymentFactory,
    ProductConfigurationFactory,
    SharedPostFactory,
    SupportCommunicationFactory,
    UsageEventFactory,
)

DELETED_KINDS = [
    ContentItem,
    SharedPost,
    OptionalKindRefusal,
    CalendarEntry,
    LocationRecord,
    ProductConfiguration,
    UsageEvent,
    CallRecord,
    SupportCommunication,
]
OWNER = {
    ContentItem: "owner",
    SharedPost: "author",
    OptionalKindRefusal: "subject",
    CalendarEntry: "owner",
    LocationRecord: "owner",
    ProductConfiguration: "owner",
    UsageEvent: "owner",
    CallRecord: "owner",
    SupportCommunication: "customer",
}


def give_every_kind(user, tag: str) -> list[str]:
    """Rows of every kind for ``user``; returns the stored names of their files (one of them
    replaced, so an older version's file is named only by a history row)."""
    document = ContentItemFactory(owner=user, original_name=f"{tag}-contract.pdf", title=f"{tag} contract")
    old_name = document.file.name
    document.file.save(f"{tag}-contract-v2.pdf", ContentFile(b"%PDF second version"), save=True)
    picture = ContentItemFactory(
        owner=user, kind=ContentItem.Kind.IMAGE, original_name=f"{tag}-beach.jpg", data=b"\xff\xd8 beach"
    )
    SharedPostFactory(author=user, text=f"{tag} was at the beach", picture=picture)
    OptionalKindRefusalFactory(subject=user, kind="voice_clips")
    CalendarEntryFactory(owner=user, title=f"{tag} dentist")
    LocationRecordFactory(owner=user)
    ProductConfigurationFactory(owner=user)
    UsageEventFactory.create_batch(3, owner=user)
    CallRecordFactory.create_batch(4, owner=user, other_party="+84901234567")
    SupportCommunicationFactory(customer=user, body=f"{tag} asked about a refund")
    PaymentFactory(invoice__customer=user, invoice__billing_name=f"{tag} Billing Name")
    return [old_name, document.file.name, picture.file.name]


@pytest.fixture
def storage():
    return ContentItem._meta.get_field("file").storage


def test_it_erases_every_kind_and_deletes_the_files_listing_them_on_the_certificate(customer, storage):
    names = give_every_kind(customer, "casey")
    bystander = UserFactory(email="bystander@example.test")
    their_names = give_every_kind(bystander, "olu")
    assert all(storage.exists(n) for n in names + their_names)

    run = erase(customer)

    assert run.status == ErasureRun.Status.COMPLETED, run.last_error
    for model in DELETED_KINDS:
        assert not model.objects.filter(**{OWNER[model]: customer}).exists(), model
        assert model.objects.filter(**{OWNER[model]: bystander}).exists(), model
        history = getattr(model, "history", None)
        if history is not None:
            assert not history.filter(**{f"{OWNER[model]}_id": customer.pk}).exists(), model
    # Tax records stay, unlinked from the account, with what the tax rule keeps.
    invoice = Invoice.objects.get(billing_name="casey Billing Name")
    assert invoice.customer_id is None
    assert Payment.objects.get(invoice=invoice).customer_id is None
    assert Payment.objects.get(invoice=invoice).method_summary == ""

    assert not any(storage.exists(n) for n in names)
    assert all(storage.exists(n) for n in their_names)

    table = certificate_table(run, "service_data.ContentItem")
    assert table["rows_deleted"] == 2
    assert table["files_deleted"] == 3  # both files, and the replaced version's
    assert table["files"] == sorted(stored_name_hash(n) for n in names)
    assert run.certificate["files_deleted"] >= 3  # the profile picture's table counts its own
    assert run.certificate["files_pending"] == 0
    text = json.dumps(run.certificate)
    for personal in ("casey-contract", "casey-beach", "casey contract", "dentist", "refund", *names):
        assert personal not in text, personal
    assert certificate_table(run, "service_data.CallRecord")["rows_deleted"] == 4
    assert certificate_table(run, "service_data.Invoice")["rows_anonymised"] == 1


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_run_open_until_storage_lets_every_file_go(monkeypatch):
    customer = UserFactory(email="flaky@example.test")
    names = give_every_kind(customer, "flaky")
    real = ContentItem._meta.get_field("file").storage
    # The same place on disk, through a storage whose first five deletes fail (an object
    # store that is away for a while): the run's own attempt cannot delete them all.
    flaky = FlakyStorage(location=real.location, base_url=real.base_url, fail_deletes=5)
    monkeypatch.setattr(ContentItem._meta.get_field("file"), "storage", flaky)

    run = erasure_start(subject=customer, actor=ACTOR, reason="flaky storage", queue=False)
    with pytest.raises(FilesPending):
        erasure_carry_out_here(run)

    run.refresh_from_db()
    assert run.status == ErasureRun.Status.RUNNING
    assert run.certificate == {}
    pending = run.progress["pending_files"]
    assert pending
    assert all(real.exists(f["name"]) for f in pending)
    # The rows are gone already; only the files wait.
    assert not ContentItem.objects.filter(owner=customer).exists()
    job = Job.objects.get(kind=ErasureRun.JOB_KIND, target=str(run.pk))
    assert job.state == Job.State.QUEUED
    assert "FilesPending" in job.last_error

    # The reconciler sends the job again once its wait is over; the worker that takes it
    # deletes what is left and finishes the run.
    later = timezone.now() + timedelta(hours=2)
    assert job.pk in jobs_reconcile(now=later, dry_run=True).lost_message
    job_run(job_id=job.pk)

    run.refresh_from_db()
    assert run.status == ErasureRun.Status.COMPLETED, run.last_error
    assert flaky.failed == 5
    assert not any(real.exists(n) for n in names)
    table = certificate_table(run, "service_data.ContentItem")
    assert table["files_deleted"] == 3
    assert table["files"] == sorted(stored_name_hash(n) for n in names)
    assert "files_pending" not in table
    assert run.certificate["files_pending"] == 0


def test_it_counts_a_file_deleted_by_a_later_attempt_once(customer, storage, monkeypatch):
    names = give_every_kind(customer, "once")
    flaky = FlakyStorage(location=storage.location, base_url=storage.base_url, fail_deletes=100)
    monkeypatch.setattr(ContentItem._meta.get_field("file"), "storage", flaky)
    with pytest.raises(FilesPending):
        erase(customer)
    flaky.fail_deletes = 0
    run = ErasureRun.objects.get(subject_id=customer.pk)
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = erasure_carry_out_here(run)
    assert run.status == ErasureRun.Status.COMPLETED
    assert certificate_table(run, "service_data.ContentItem")["files_deleted"] == len(names)
    assert not any(storage.exists(n) for n in names)


@pytest.mark.parametrize(("most", "deletes"), [(0, 30), (1000, 2)])
def test_it_grows_the_batches_of_a_large_table_while_they_stay_quick(customer, settings, most, deletes):
    settings.PERSONAL_DATA_ERASURE_BATCH_SIZE = 10
    settings.PERSONAL_DATA_ERASURE_BATCH_MAX = most
    settings.PERSONAL_DATA_ERASURE_BATCH_SECONDS = 60  # every batch counts as quick
    now = timezone.now()
    insert_rows(
        CallRecord,
        ("owner_id", "started_at", "direction", "other_party", "duration_seconds", "cost", "currency"),
        [(customer.pk, now, "outgoing", "+442079460000", 60, "0.0100", "USD")] * 300,
    )
    table = CallRecord._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        run = erase(customer)
    # Fixed: 30 batches of 10. Growing: 10 took far less than the budget, so the rest (290,
    # under the largest batch of 1000) goes in one.
    assert sum(q["sql"].startswith(f'DELETE FROM "{table}"') for q in queries.captured_queries) == deletes
    assert certificate_table(run, "service_data.CallRecord")["rows_deleted"] == 300
    assert not CallRecord.objects.filter(owner=customer).exists()


def test_it_sizes_each_batch_from_the_rate_of_the_last_within_the_bounds(settings):
    settings.PERSONAL_DATA_ERASURE_BATCH_MAX = 50_000
    settings.PERSONAL_DATA_ERASURE_BATCH_SECONDS = 0.1
    sizes = _batch_sizes(2000)
    assert next(sizes) == 2000
    assert sizes.send(0.01) == 10_000  # 2000 rows in 10 ms: 10 000 fill half the budget
    assert sizes.send(0.001) == 50_000  # never more than the largest batch
    assert sizes.send(0.5) == 5000  # a batch over the budget makes the next one smaller
    assert sizes.send(60.0) == 2000  # never fewer than the first
