"""The data export carries the customer's disclosure records (P-22): visible ones in full,
withheld ones only as a note saying how many exist and why."""

import csv
import hashlib
import io
import json
import zipfile

import pytest

from apps.core.actors import SystemActor
from apps.disclosures.services.register import disclosure_set_visibility
from apps.personal_data.export import archive as exports  # build_archive reads EXPORT_TABLES there
from apps.personal_data.export.run import export_request, export_run
from apps.personal_data.models import DataExport
from apps.personal_data.registry import EXPORT_TABLES, ExportTable
from tests.disclosures.factories import RecipientFactory, record

pytestmark = pytest.mark.django_db

COURT_SECRET = "Court order 44/2026 forbids telling the subject"


def build(subject) -> zipfile.ZipFile:
    export = export_run(export_id=export_request(subject=subject, actor=SystemActor("test"), enqueue=False).pk)
    assert export.status == DataExport.Status.READY, export.last_error
    with export.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def records_of(archive: zipfile.ZipFile) -> list[dict]:
    return json.loads(archive.read("disclosures.json"))["sources"][0]["records"]


@pytest.fixture
def register(officer, customer, other_customer):
    visible = record(
        actor=officer,
        subjects=[customer, other_customer],
        recipient=RecipientFactory(name="Acme Analytics Inc", country="US", transfer_safeguard="scc"),
        description="Listening history for May",
    )
    for description in ("Covert case one", "Covert case two"):
        disclosure_set_visibility(
            disclosure=record(actor=officer, subjects=[customer], description=description, reason="Covert reason"),
            actor=officer,
            visibility="withheld",
            withheld_reason=COURT_SECRET,
        )
    record(actor=officer, subjects=[other_customer], description="Only about Olu")
    return visible


def test_it_exports_the_visible_records_as_json_and_csv(register, customer):
    archive = build(customer)
    assert {"disclosures.json", "tables/disclosures.csv"} <= set(archive.namelist())
    rows = records_of(archive)
    assert len(rows) == 1
    assert rows[0]["reference"] == str(register.reference)
    assert rows[0]["recipient"] == "Acme Analytics Inc"
    assert rows[0]["recipient_country"] == "United States of America"
    assert rows[0]["international_transfer"] is True
    assert rows[0]["transfer_safeguard"] == "Standard contractual clauses"
    assert rows[0]["description"] == "Listening history for May"
    assert not {"id", "pk", "user", "user_id", "subject"} & set(rows[0])
    table = list(csv.DictReader(io.StringIO(archive.read("tables/disclosures.csv").decode())))
    assert [row["reference"] for row in table] == [str(register.reference)]


def test_it_leaves_withheld_and_other_peoples_records_out(register, customer):
    archive = build(customer)
    text = "\n".join(archive.read(name).decode() for name in archive.namelist())
    for hidden in ("Covert case", "Covert reason", "Only about Olu"):
        assert hidden not in text


def test_it_notes_how_many_records_are_withheld_and_why(register, customer):
    archive = build(customer)
    notes = json.loads(archive.read("manifest.json"))["notes"]
    note = next(n for n in notes if n["title"] == "Withheld disclosure records")
    assert note["count"] == 2
    assert COURT_SECRET in note["text"]
    index = archive.read("index.html").decode()
    assert "Withheld disclosure records" in index
    assert COURT_SECRET in index


def test_it_adds_no_note_when_nothing_is_withheld(officer, other_customer, customer):
    record(actor=officer, subjects=[customer])
    archive = build(customer)
    assert json.loads(archive.read("manifest.json"))["notes"] == []
    assert len(records_of(archive)) == 1


def test_it_lists_the_files_in_the_index_and_the_manifest_with_checksums(register, customer):
    archive = build(customer)
    files = {f["name"]: f for f in json.loads(archive.read("manifest.json"))["files"]}
    for name in ("disclosures.json", "tables/disclosures.csv"):
        assert files[name]["records"] == 1
        assert files[name]["sha256"] == hashlib.sha256(archive.read(name)).hexdigest()
    index = archive.read("index.html").decode()
    assert '<a href="disclosures.json">disclosures.json</a>' in index
    assert '<a href="tables/disclosures.csv">tables/disclosures.csv</a>' in index
    # The records are readable on a page of their own, linked from the index.
    assert '<a href="pages/disclosures.html">' in index
    assert "Disclosure records" in archive.read("pages/disclosures.html").decode()


def test_it_exports_an_empty_table_for_a_customer_without_records(customer):
    archive = build(customer)
    assert records_of(archive) == []
    assert archive.read("tables/disclosures.csv").decode().startswith("reference,disclosed_at,recipient")
    # The readable page says there is nothing, rather than showing an empty table.
    page = archive.read("pages/disclosures.html").decode()
    assert "Nothing of this kind is recorded about you." in page
    assert "<table>" not in page


def test_it_writes_the_other_peoples_export_with_their_own_records(register, other_customer):
    descriptions = sorted(row["description"] for row in records_of(build(other_customer)))
    assert descriptions == ["Listening history for May", "Only about Olu"]


def test_it_refuses_a_table_stem_that_would_overwrite_another_file(customer, monkeypatch):
    def clashing(subject):
        yield ExportTable(stem="contact", title="Clash", columns=["a"], rows=lambda: iter([]))

    monkeypatch.setattr(exports, "EXPORT_TABLES", [*EXPORT_TABLES, clashing])
    export = export_run(export_id=export_request(subject=customer, actor=SystemActor("test"), enqueue=False).pk)
    assert export.status == DataExport.Status.FAILED
    assert "not a plain name" in export.last_error


def test_the_readable_page_heads_its_columns_in_words_not_column_names(register, customer):
    page = build(customer).read("pages/disclosures.html").decode()
    heads = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    for label in ("Disclosed on (UTC)", "Recipient&#x27;s country", "Sent abroad", "What was disclosed"):
        assert f'<th scope="col">{label}</th>' in heads
    assert "Disclosed at" not in heads  # the column's name, made into words, is not what is shown
    assert "International transfer" not in heads
    # The files keep the machine-readable names.
    assert build(customer).read("tables/disclosures.csv").decode().startswith("reference,disclosed_at,")


def test_a_table_with_labels_gives_one_per_column():
    with pytest.raises(ValueError, match="2 labels for 1 columns"):
        ExportTable(stem="odd", title="Odd", columns=["a"], rows=lambda: iter([]), labels=("A", "B"))
