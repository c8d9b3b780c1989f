"""The ZIP: each file written incrementally into its entry (hashed and counted on the way),
the category JSON files and CSV tables, the tables and notes other apps add, index.html and
the manifest.

The manifest lists every other file of the archive with its SHA-256, size and CRC-32, so its
own SHA-256 (``DataExport.manifest_sha256``) vouches for the whole download: a reader checks
the manifest against it, then each file against the manifest. It replaced a SHA-256 of the
whole archive, which cost a second pass over every byte (more than the copy itself for a
gigabyte of video) and said nothing the manifest's digests do not.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core.jobs import Heartbeat
from apps.core.spreadsheets import SpreadsheetWriter
from apps.personal_data.domain import subject_reference
from apps.personal_data.export.files import copy_stored_files, entry_info, stored_paths
from apps.personal_data.export.index import render_index, render_rights
from apps.personal_data.export.pages import PageRows, frame, framed, page_name, part_name
from apps.personal_data.export.sources import Share, Spool, spread_entries
from apps.personal_data.export.tables import _empty_entries, _exported_entries, export_stem
from apps.personal_data.models import DataExport
from apps.personal_data.registry import (
    EXPORT_NOTES,
    EXPORT_TABLES,
    Category,
    Entry,
    ExportTable,
)
from apps.personal_data.registry import controller as registry_controller
from apps.personal_data.registry.export import EXPORT_PARTS, ExportPart

if TYPE_CHECKING:
    from apps.accounts.models import User  # the subject; AUTH_USER_MODEL at run time

FORMAT_VERSION = "portal-export/1"
JSON = DjangoJSONEncoder(ensure_ascii=False)


class _Sink:
    """Text written into one ZIP entry, encoded, hashed and counted on the way."""

    BUFFER = 64 * 1024

    def __init__(self, raw) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0
        self._parts: list[str] = []
        self._pending = 0

    def write(self, text: str) -> int:
        self._parts.append(text)
        self._pending += len(text)
        if self._pending >= self.BUFFER:
            self.flush()
        return len(text)

    def write_bytes(self, data: bytes) -> None:
        """Text already encoded as UTF-8 (a spool's), after any text written before it."""
        self.flush()
        self.digest.update(data)
        self.size += len(data)
        self.raw.write(data)

    def flush(self) -> None:
        if not self._parts:
            return
        data = "".join(self._parts).encode()
        self._parts.clear()
        self._pending = 0
        self.digest.update(data)
        self.size += len(data)
        self.raw.write(data)


@dataclass
class FileInfo:
    name: str
    records: int
    sha256: str
    bytes: int
    crc32: str = ""  # the ZIP entry's CRC-32, 8 hex digits


@dataclass(frozen=True)
class Built:
    """What build_archive wrote: records per file, and the SHA-256 of manifest.json."""

    counts: dict[str, int]
    manifest_sha256: str


_entry_info = entry_info


class _Archive:
    def __init__(self, zf: zipfile.ZipFile, on_file: Callable[[], None] | None = None) -> None:
        self.zf = zf
        self.files: list[FileInfo] = []
        self.on_file = on_file

    def write(self, name: str, writer: Callable[[_Sink], int]) -> FileInfo:
        info = _entry_info(name)
        with self.zf.open(info, "w", force_zip64=True) as raw:
            sink = _Sink(raw)
            records = writer(sink)
            sink.flush()
        entry = FileInfo(
            name=name, records=records, sha256=sink.digest.hexdigest(), bytes=sink.size, crc32=f"{info.CRC:08x}"
        )
        self.files.append(entry)
        if self.on_file is not None:
            self.on_file()
        return entry


def _source_header(share: Share) -> dict[str, Any]:
    keys = share.keys[len(share.keys) - len(share.personal) :]
    return {
        "name": share.entry.person_title,
        "purpose": str(share.entry.purpose),
        "fields": [{"name": key, "category": str(f.category)} for f, key in zip(share.personal, keys, strict=True)],
    }


def _write_category(sink: _Sink, category: Category, shares: list[Share]) -> int:
    """The category's JSON file: each entry's share of it, read once (export/sources.py)."""
    records = 0
    sink.write('{"category": ' + JSON.encode(str(category.value)))
    sink.write(', "label": ' + JSON.encode(str(category.label)) + ', "sources": [')
    for position, share in enumerate(shares):
        header = JSON.encode(_source_header(share))
        sink.write(("," if position else "") + "\n " + header[:-1] + ', "records": [')
        records += share.records.records
        share.records.copy_to(sink)
        sink.write("]}")
    sink.write("\n]}\n")
    return records


def _write_spool(sink: _Sink, spool: Spool) -> int:
    spool.copy_to(sink)
    return spool.records


def _write_page(sink: _Sink, head: str, page: PageRows, foot: str, number: int = 1) -> int:
    sink.write(head)
    page.copy_to(sink, number)
    sink.write(foot)
    return 0


def _write_pages(archive: _Archive, code: str, title: str, page: PageRows, language: str, controller: Any) -> list[str]:
    """A category's readable pages, one file per ``PAGE_ROWS`` rows, each linked to the
    previous and next; returns their names, first to last."""
    head, foot = frame(title=title, language=language, controller=controller)
    names = []
    for number in range(1, page.count + 1):
        name = part_name(code, number)
        page_head, page_foot = framed(head, foot, code=code, number=number, count=page.count)
        archive.write(name, partial(_write_page, head=page_head, page=page, foot=page_foot, number=number))
        names.append(name)
    return names


def _write_text(sink: _Sink, text: str) -> int:
    sink.write(text)
    return 0


def _csv_name(entry: Entry) -> str:
    return f"tables/{export_stem(entry)}.csv"


def _table_stem(table: ExportTable) -> str:
    """The table's file name: its stem in words, hyphenated (``staff-access-grants``). A stem must
    not overwrite a category file or a page, nor escape the archive's layout."""
    taken = {*Category.values, "manifest", "rights"}
    if not re.fullmatch(r"[a-z][a-z0-9_]*", table.stem) or table.stem in taken:
        raise ValueError(f"export table stem {table.stem!r} is not a plain name of its own")
    return table.stem.replace("_", "-")


def _write_table_json(sink: _Sink, table: ExportTable, page: PageRows | None = None) -> int:
    # The shape of the category files: one source, its fields, its records.
    header = {"name": str(table.title), "fields": [{"name": c} for c in table.columns]}
    sink.write('{"label": ' + JSON.encode(str(table.title)) + ', "sources": [')
    sink.write("\n " + JSON.encode(header)[:-1] + ', "records": [')
    if page is not None:
        # The provider's translated headings; a table given none shows its column names as words.
        labels = [str(label) for label in table.labels] or [c.replace("_", " ").capitalize() for c in table.columns]
        page.section(title=str(table.title), purpose="", labels=labels)
    records = 0
    for row in table.rows():
        sink.write(("," if records else "") + "\n  " + JSON.encode(dict(zip(table.columns, row, strict=True))))
        if page is not None:
            page.row(list(row))
        records += 1
    sink.write("]}\n]}\n")
    if page is not None:
        page.end_section(none=_("Nothing of this kind is recorded about you."))
    return records


# A part's folder: lowercase words under a top-level folder of its own (``systems/mail-provider``),
# never one of the archive's own folders; its files' names are plain, with no way out of it.
PART_FOLDER = re.compile(r"[a-z][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)+")
PART_FILE = re.compile(r"[a-z0-9][a-z0-9_-]*(\.[a-z0-9]+)?")
RESERVED_FOLDERS = {"files", "tables", "pages"}


def _part_folder(part: ExportPart) -> str:
    if not PART_FOLDER.fullmatch(part.folder) or part.folder.split("/", 1)[0] in RESERVED_FOLDERS:
        raise ValueError(f"export part folder {part.folder!r} is not a plain folder of its own")
    for item in part.files:
        if not PART_FILE.fullmatch(item.name):
            raise ValueError(f"export part file {item.name!r} is not a plain file name")
    return part.folder


def _write_chunks(sink: _Sink, chunks: Callable[[], Any]) -> int:
    for chunk in chunks():
        sink.write_bytes(chunk)
    return 0


def _write_parts(archive: _Archive, subject: User, export: DataExport) -> list[dict]:
    """Other apps' folders for this export (registry EXPORT_PARTS), each file checksummed."""
    parts = []
    for part in (p for provider in EXPORT_PARTS for p in provider(subject, export)):
        folder = _part_folder(part)
        files = [
            archive.write(f"{folder}/{item.name}", partial(_write_chunks, chunks=item.chunks)).name
            for item in part.files
        ]
        parts.append({"folder": folder, "title": str(part.title), "summary": str(part.summary), "files": files})
    return parts


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return JSON.encode(value)
    return value


def _write_table_csv(sink: _Sink, table: ExportTable) -> int:
    writer = SpreadsheetWriter(sink)
    writer.writerow(table.columns)
    records = 0
    for row in table.rows():
        writer.writerow([_csv_value(v) for v in row])
        records += 1
    return records


def build_archive(out, *, subject: User, export: DataExport, heartbeat: Heartbeat | None = None) -> Built:
    """Write the ZIP for ``subject`` into the binary file ``out``."""
    language = export.language or subject.preferred_language or settings.LANGUAGE_CODE
    generated_at = timezone.now()
    with translation.override(language), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        # A sign of life after each file keeps the job's lease while a long build goes on.
        archive = _Archive(zf, on_file=heartbeat.beat if heartbeat is not None else None)
        exported = _exported_entries()
        empty = _empty_entries(exported, subject)
        # The files first: the rows below then name each one's path in the ZIP.
        stored_files = copy_stored_files(
            zf,
            subject=subject,
            exported=[e for e in exported if e.label not in empty],
            alive=heartbeat.beat if heartbeat is not None else None,
        )
        archive.files.extend(
            FileInfo(name=f.file, records=0, sha256=f.sha256, bytes=f.bytes, crc32=f.crc32)
            for f in stored_files
            if f.file
        )
        paths = stored_paths(stored_files)
        controller = registry_controller()
        spread = spread_entries(exported, subject, paths, empty=empty)
        categories = []
        for category in Category:
            shares = spread.shares.get(category)
            if not shares:
                continue
            info = archive.write(f"{category.value}.json", partial(_write_category, category=category, shares=shares))
            pages = _write_pages(
                archive, category.value, str(category.label), spread.pages[category], language, controller
            )
            categories.append(
                {
                    "code": category.value,
                    "label": str(category.label),
                    "file": info.name,
                    "page": pages[0],
                    "more_pages": pages[1:],
                    "records": info.records,
                    "sources": [share.entry.person_title for share in shares],
                }
            )
        tables = []
        for entry, spool in spread.tables:
            info = archive.write(_csv_name(entry), partial(_write_spool, spool=spool))
            tables.append({"file": info.name, "label": entry.person_title, "records": info.records})
        sections = []
        for table in (t for provider in EXPORT_TABLES for t in provider(subject)):
            stem = _table_stem(table)
            page = PageRows()
            info = archive.write(f"{stem}.json", partial(_write_table_json, table=table, page=page))
            pages = _write_pages(archive, stem, str(table.title), page, language, controller)
            sections.append(
                {
                    "label": str(table.title),
                    "file": info.name,
                    "page": pages[0],
                    "more_pages": pages[1:],
                    "records": info.records,
                    "sources": [str(table.title)],
                }
            )
            info = archive.write(f"tables/{stem}.csv", partial(_write_table_csv, table=table))
            tables.append({"file": info.name, "label": str(table.title), "records": info.records})
        parts = _write_parts(archive, subject, export)
        rights_page = page_name("rights")
        archive.write(rights_page, lambda sink: _write_text(sink, render_rights(subject=subject, language=language)))

        notes = [note for provider in EXPORT_NOTES for note in provider(subject)]
        reference = subject_reference(subject)
        index_html = render_index(
            controller=controller,
            generated_at=generated_at,
            subject=subject,
            subject_reference=reference,
            categories=categories + sections,
            tables=tables,
            notes=notes,
            language=language,
            stored_files=stored_files,
            rights_page=rights_page,
            parts=parts,
        )
        archive.write("index.html", lambda sink: _write_text(sink, index_html))
        manifest = {
            "format": FORMAT_VERSION,
            "export_reference": str(export.reference),
            "generated_at": generated_at.isoformat(),
            "language": language,
            "controller": asdict(controller) if controller else None,
            "subject_reference": reference,
            "categories": [{k: c[k] for k in ("code", "label", "file", "records")} for c in categories],
            "notes": [asdict(n) for n in notes],
            # Folders other apps added (each system's answer to an access request), their files
            # listed with their checksums under "files" like every other.
            "parts": parts,
            "files": [asdict(f) for f in archive.files],
            # Every stored file of the subject's rows, included (with its path and checksum,
            # also under "files") or missing from storage.
            "stored_files": [f.as_dict() for f in stored_files],
        }
        data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
        zf.writestr(_entry_info("manifest.json"), data)
    return Built(counts={f.name: f.records for f in archive.files}, manifest_sha256=hashlib.sha256(data).hexdigest())
