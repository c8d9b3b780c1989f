"""A customer's service data in their export: every kind, in the readable index and the
machine-readable JSON (grouped by category) and CSV, with human titles."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from apps.core.actors import SystemActor
from apps.personal_data.export.run import export_request, export_run
from apps.personal_data.models import DataExport
from tests.factories import UserFactory
from tests.service_data.test_erasure import give_every_kind

pytestmark = pytest.mark.django_db

# Where each kind is found: the category file, the source's name for people, its CSV table.
KINDS = {
    "service_data.ContentItem": ("content", "content items", "tables/service_data_contentitem.csv"),
    "service_data.SharedPost": ("content", "shared posts", "tables/service_data_sharedpost.csv"),
    "service_data.CalendarEntry": ("content", "calendar entries", "tables/service_data_calendarentry.csv"),
    "service_data.LocationRecord": ("location", "location records", "tables/service_data_locationrecord.csv"),
    "service_data.ProductConfiguration": ("preferences", "product configurations", None),
    "service_data.OptionalKindRefusal": ("preferences", "refused optional data", None),
    "service_data.UsageEvent": ("usage", "usage events", "tables/service_data_usageevent.csv"),
    "service_data.CallRecord": ("communications", "call records", "tables/service_data_callrecord.csv"),
    "service_data.SupportCommunication": (
        "communications",
        "support communications",
        "tables/service_data_supportcommunication.csv",
    ),
    "service_data.Invoice": ("financial", "invoices", "tables/service_data_invoice.csv"),
    "service_data.Payment": ("financial", "payments", "tables/service_data_payment.csv"),
}


def test_it_exports_every_kind_grouped_by_category_with_human_titles(customer):
    give_every_kind(customer, "casey")
    give_every_kind(UserFactory(email="olu@example.test"), "olu")
    export = export_run(export_id=export_request(subject=customer, actor=SystemActor("test"), enqueue=False).pk)
    assert export.status == DataExport.Status.READY, export.last_error
    archive = zipfile.ZipFile(export.file.path)
    index = archive.read("index.html").decode()

    for label, (category, title, table) in KINDS.items():
        document = json.loads(archive.read(f"{category}.json"))
        source = next((s for s in document["sources"] if s["source"] == label), None)
        assert source is not None, label
        assert source["name"] == title
        assert source["records"], label
        assert title in index, title
        if table:
            with archive.open(table) as raw:
                rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")))
            assert len(rows) == len(source["records"]), label

    # The place of a calendar entry is location data; its title is content.
    location = json.loads(archive.read("location.json"))
    calendar = next(s for s in location["sources"] if s["source"] == "service_data.CalendarEntry")
    assert calendar["records"][0]["location"] == "Room 4, 1 High Street"
    calls = json.loads(archive.read("communications.json"))
    call = next(s for s in calls["sources"] if s["source"] == "service_data.CallRecord")["records"][0]
    assert {"started_at", "duration_seconds", "cost", "other_party"} <= set(call)
    payments = json.loads(archive.read("financial.json"))
    payment = next(s for s in payments["sources"] if s["source"] == "service_data.Payment")["records"][0]
    assert payment["method_summary"] == "Visa •••• 4242"
    # The shared post names its picture as the customer knows it, not by an id.
    content = json.loads(archive.read("content.json"))
    post = next(s for s in content["sources"] if s["source"] == "service_data.SharedPost")["records"][0]
    assert post["picture"].startswith("Image: ")

    everything = "\n".join(archive.read(n).decode() for n in archive.namelist() if not n.startswith("files/"))
    assert "casey was at the beach" in everything
    for theirs in ("olu was at the beach", "olu-contract", "olu Billing Name", "olu dentist"):
        assert theirs not in everything, theirs
