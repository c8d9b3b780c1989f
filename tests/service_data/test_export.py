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

# Where each kind is found, by its name for people: the category file and its CSV table.
KINDS = {
    "Your files": ("content", "tables/your-files.csv"),
    "Posts you shared": ("content", "tables/shared-posts.csv"),
    "Calendar entries": ("content", "tables/calendar.csv"),
    "Places your device reported": ("location", "tables/locations.csv"),
    "How you set up the product": ("preferences", None),
    "Optional data you refused to give": ("preferences", None),
    "Your activity in the service": ("usage", "tables/activity.csv"),
    "Calls": ("communications", "tables/calls.csv"),
    "Conversations with our support team": ("communications", "tables/support-conversations.csv"),
    "Invoices": ("financial", "tables/invoices.csv"),
    "Payments": ("financial", "tables/payments.csv"),
}


def test_it_exports_every_kind_grouped_by_category_with_human_titles(customer):
    give_every_kind(customer, "casey")
    give_every_kind(UserFactory(email="olu@example.test"), "olu")
    export = export_run(export_id=export_request(subject=customer, actor=SystemActor("test"), enqueue=False).pk)
    assert export.status == DataExport.Status.READY, export.last_error
    archive = zipfile.ZipFile(export.file.path)
    index = archive.read("index.html").decode()

    for title, (category, table) in KINDS.items():
        document = json.loads(archive.read(f"{category}.json"))
        source = next((s for s in document["sources"] if s["name"] == title), None)
        assert source is not None, title
        assert source["records"], title
        assert title in index, title
        # The category's readable page shows the rows themselves.
        assert title in archive.read(f"pages/{category}.html").decode()
        if table:
            with archive.open(table) as raw:
                rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")))
            assert len(rows) == len(source["records"]), title

    # The place of a calendar entry is location data; its title is content.
    location = json.loads(archive.read("location.json"))
    calendar = next(s for s in location["sources"] if s["name"] == "Calendar entries")
    assert calendar["records"][0]["place"] == "Room 4, 1 High Street"
    calls = json.loads(archive.read("communications.json"))
    call = next(s for s in calls["sources"] if s["name"] == "Calls")["records"][0]
    assert {"started", "duration (seconds)", "cost", "other party's number"} <= set(call)
    payments = json.loads(archive.read("financial.json"))
    payment = next(s for s in payments["sources"] if s["name"] == "Payments")["records"][0]
    assert payment["method"] == "Visa •••• 4242"
    # The shared post names its picture as the customer knows it, not by an id.
    content = json.loads(archive.read("content.json"))
    post = next(s for s in content["sources"] if s["name"] == "Posts you shared")["records"][0]
    assert post["picture"].startswith("Image: ")

    everything = "\n".join(archive.read(n).decode() for n in archive.namelist() if not n.startswith("files/"))
    assert "casey was at the beach" in everything
    for theirs in ("olu was at the beach", "olu-contract", "olu Billing Name", "olu dentist"):
        assert theirs not in everything, theirs
