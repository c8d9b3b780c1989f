"""The export engine and stored files: every registered file field's files go into the ZIP,
streamed, hashed, listed in the manifest and linked from index.html; a missing one is listed
as missing."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tracemalloc
import zipfile
import zlib
from dataclasses import replace

import pytest
from django.apps import apps
from django.core.files.base import ContentFile

from apps.core.actors import SystemActor
from apps.personal_data import registry
from apps.personal_data.export.files import safe_name
from apps.personal_data.export.run import export_request, export_run
from apps.personal_data.models import DataExport

if not apps.is_installed("apps.service_data"):  # PORTAL_SERVICE_DATA=off: its files are the test's
    pytest.skip("the reference service app is switched off", allow_module_level=True)

from apps.service_data.models import ContentItem
from tests.service_data.factories import ContentItemFactory

pytestmark = pytest.mark.django_db


def build(subject) -> tuple[DataExport, zipfile.ZipFile]:
    export = export_run(export_id=export_request(subject=subject, actor=SystemActor("test"), enqueue=False).pk)
    assert export.status == DataExport.Status.READY, export.last_error
    return export, zipfile.ZipFile(export.file.path)


def test_it_puts_each_file_in_the_zip_under_its_own_name_hashed_and_linked(customer, other_customer):
    photo = ContentItemFactory(
        owner=customer, kind=ContentItem.Kind.IMAGE, original_name="Holiday photo.jpg", data=b"\xff\xd8jpeg" * 50
    )
    note = ContentItemFactory(owner=customer, original_name="notes.txt", data=b"plain words " * 500)
    twin = ContentItemFactory(owner=customer, original_name="notes.txt", data=b"another file, same name")
    sneaky = ContentItemFactory(owner=customer, original_name="../../etc/pass:wd", data=b"not a path")
    ContentItemFactory(owner=other_customer, original_name="theirs.pdf", data=b"someone else's")
    customer.profile_picture.save("me.png", ContentFile(b"\x89PNG picture bytes"), save=True)

    export, archive = build(customer)
    names = set(archive.namelist())
    folder = "files/your-files"
    expected = {
        f"{folder}/Holiday photo.jpg": photo,
        f"{folder}/notes.txt": note,
        f"{folder}/notes (2).txt": twin,
        f"{folder}/pass_wd": sneaky,
    }
    assert set(expected) <= names
    assert not any("theirs" in n for n in names)
    assert not any(".." in n for n in names)
    for path, item in expected.items():
        with item.file.open("rb") as handle:
            assert archive.read(path) == handle.read()
    # The profile picture is another app's file field: the engine finds it the same way.
    pictures = [n for n in names if n.startswith("files/account/")]
    assert len(pictures) == 1
    assert archive.read(pictures[0]) == b"\x89PNG picture bytes"

    # Media already compressed is stored as is; text is deflated.
    assert archive.getinfo(f"{folder}/Holiday photo.jpg").compress_type == zipfile.ZIP_STORED
    assert archive.getinfo(f"{folder}/notes.txt").compress_type == zipfile.ZIP_DEFLATED

    manifest = json.loads(archive.read("manifest.json"))
    listed = {f["name"]: f for f in manifest["files"]}
    for path in [*expected, pictures[0]]:
        content = archive.read(path)
        assert listed[path]["sha256"] == hashlib.sha256(content).hexdigest()
        assert listed[path]["bytes"] == len(content)
    stored = {f["file"]: f for f in manifest["stored_files"]}
    assert stored[f"{folder}/notes (2).txt"]["reference"] == str(twin.reference)
    # The content items' digests are those recorded at upload, vouched for by the CRC-32 the
    # ZIP computed of the copy; the profile picture has none recorded, so it was hashed.
    assert {stored[path]["checked"] for path in expected} == {"upload"}
    assert stored[pictures[0]]["checked"] == "copy"
    for path in [*expected, pictures[0]]:
        assert stored[path]["crc32"] == f"{zlib.crc32(archive.read(path)):08x}" == listed[path]["crc32"]
    assert {f["status"] for f in manifest["stored_files"]} == {"included"}
    # Nothing in the download gives away the storage's own names.
    everything = b"".join(archive.read(n) for n in names if not n.startswith("files/"))
    assert photo.file.name.encode() not in everything

    # The rows name the copy in the download.
    content = json.loads(archive.read("content.json"))
    rows = next(s for s in content["sources"] if s["name"] == "Your files")["records"]
    assert {r["file"] for r in rows} == set(expected)
    csv_text = archive.read("tables/your-files.csv").decode()
    assert f"{folder}/notes (2).txt" in csv_text

    index = archive.read("index.html").decode()
    assert 'href="files/your-files/Holiday%20photo.jpg"' in index
    assert "notes (2).txt" in index
    assert export.record_counts[f"{folder}/notes.txt"] == 0


def test_it_lists_a_file_missing_from_storage_and_still_finishes(customer):
    kept = ContentItemFactory(owner=customer, original_name="kept.pdf")
    lost = ContentItemFactory(owner=customer, original_name="lost.pdf")
    lost.file.storage.delete(lost.file.name)

    _, archive = build(customer)
    assert "files/your-files/kept.pdf" in archive.namelist()
    assert not any("lost" in n for n in archive.namelist())
    manifest = json.loads(archive.read("manifest.json"))
    missing = [f for f in manifest["stored_files"] if f["status"] == "missing"]
    assert missing == [
        {
            "kind": "Your files",
            "reference": str(lost.reference),
            "name": "lost.pdf",
            "file": None,
            "status": "missing",
            "sha256": "",
            "bytes": 0,
            "crc32": "",
            "checked": "",
        }
    ]
    index = archive.read("index.html").decode()
    assert "lost.pdf — <strong>missing from our storage</strong>" in index
    assert "One file is listed but missing" in index
    sources = json.loads(archive.read("content.json"))["sources"]
    rows = next(s for s in sources if s["name"] == "Your files")["records"]
    assert {r["original file name"]: r["file"] for r in rows} == {
        "kept.pdf": "files/your-files/kept.pdf",
        "lost.pdf": None,
    }
    assert kept.file.storage.exists(kept.file.name)


def test_it_flags_a_file_that_changed_in_storage_and_lists_the_digest_of_what_it_copied(customer, caplog):
    sound = ContentItemFactory(owner=customer, original_name="sound.pdf", data=b"%PDF-1.4 as uploaded")
    rotted = ContentItemFactory(owner=customer, original_name="rotted.pdf", data=b"%PDF-1.4 as uploaded")
    # The storage now holds other bytes of the same length than those the upload recorded.
    with open(rotted.file.path, "wb") as handle:
        handle.write(b"%PDF-1.4 as upl0aded")

    with caplog.at_level("ERROR", logger="apps.personal_data.export.files"):
        _, archive = build(customer)
    stored = {f["name"]: f for f in json.loads(archive.read("manifest.json"))["stored_files"]}
    copied = archive.read("files/your-files/rotted.pdf")
    assert copied == b"%PDF-1.4 as upl0aded"
    assert stored["rotted.pdf"]["checked"] == "mismatch"
    assert stored["rotted.pdf"]["sha256"] == hashlib.sha256(copied).hexdigest() != rotted.sha256
    assert stored["sound.pdf"]["checked"] == "upload"
    assert stored["sound.pdf"]["sha256"] == sound.sha256
    assert [r.getMessage() for r in caplog.records if "storage corruption" in r.getMessage()] == [
        f"storage corruption: service_data.ContentItem {rotted.reference} ({rotted.file.name}) differs from what "
        f"was stored (CRC-32 {zlib.crc32(copied):08x}, 20 bytes; recorded {rotted.crc32:08x}, 20)"
    ]


def test_it_hashes_a_file_stored_before_its_crc32_was_recorded(customer):
    data = b"%PDF-1.4 an older upload"
    older = ContentItemFactory(owner=customer, original_name="older.pdf", data=data)
    ContentItem.objects.filter(pk=older.pk).update(crc32=None, sha256="0" * 64)  # nothing to check against

    _, archive = build(customer)
    (listed,) = json.loads(archive.read("manifest.json"))["stored_files"]
    assert listed["checked"] == "copy"
    assert listed["sha256"] == hashlib.sha256(data).hexdigest()
    assert listed["crc32"] == f"{zlib.crc32(data):08x}"


@pytest.mark.parametrize("suffix", [".mp4", ".txt"])
def test_it_keeps_the_heap_flat_for_a_file_of_many_megabytes(customer, suffix):
    size = 24 * 1024 * 1024
    item = ContentItemFactory(owner=customer, original_name=f"big{suffix}", data=b"")
    # Written in pieces (not one 24 MB string), so only the export's own memory is measured.
    with open(item.file.path, "wb") as handle:
        for _ in range(size // (1024 * 1024)):
            handle.write(os.urandom(512 * 1024) + b"text " * (512 * 1024 // 5) + b"t" * (512 * 1024 % 5))
    export = export_request(subject=customer, actor=SystemActor("test"), enqueue=False)
    tracemalloc.start()
    try:
        export = export_run(export_id=export.pk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert export.status == DataExport.Status.READY, export.last_error
    # A 24 MB file read whole would put at least 24 MB on the heap; the engine holds a chunk.
    assert peak < 8 * 1024 * 1024, f"heap peak {peak / 1024 / 1024:.1f} MB"
    archive = zipfile.ZipFile(export.file.path)
    entry = f"files/your-files/big{suffix}"
    assert archive.getinfo(entry).file_size == size
    digest = hashlib.sha256()
    with archive.open(entry) as copied:
        while block := copied.read(1024 * 1024):
            digest.update(block)
    manifest = json.loads(archive.read("manifest.json"))
    assert {f["name"]: f["sha256"] for f in manifest["files"]}[entry] == digest.hexdigest()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ("../../secret.txt", "secret.txt"),
        (".hidden", "hidden"),
        ("a\x00b<c>.doc", "a_b_c_.doc"),
        ("", "random123.bin"),
        ("x" * 300 + ".mp4", "x" * 116 + ".mp4"),
    ],
)
def test_it_makes_safe_names_for_inside_the_zip(given, expected):
    assert safe_name(given, fallback="content/ab/random123.bin") == expected
    assert not re.search(r'[/\\:*?"<>|\x00-\x1f]', expected)


def test_a_file_registered_without_a_size_is_checked_by_its_crc32_alone(customer, monkeypatch, caplog):
    # A file field may be registered with no recorded size: the CRC-32 alone is checked, and a
    # sound file is not taken for storage corruption.
    entry = registry.entry_for(ContentItem)
    assert entry is not None
    fields = tuple(replace(f, file_size="") if f.name == "file" else f for f in entry.fields)
    monkeypatch.setitem(registry._ENTRIES, entry.label, registry.Entry(**{**entry.__dict__, "fields": fields}))
    sound = ContentItemFactory(owner=customer, original_name="sound.pdf", data=b"%PDF-1.4 as uploaded")

    with caplog.at_level("ERROR", logger="apps.personal_data.export.files"):
        _, archive = build(customer)
    (listed,) = json.loads(archive.read("manifest.json"))["stored_files"]
    assert listed["checked"] == "upload"
    assert listed["sha256"] == sound.sha256
    assert not [r for r in caplog.records if "storage corruption" in r.getMessage()]
