"""The subject's stored files in the ZIP: every registered, exported file field (a profile
picture, the documents and media a customer uploaded...) copied from its storage into
``files/<rows' name>/<name>`` (``files/your-files/holiday.jpg``), chunk by chunk, checked on the way.

Memory stays flat whatever the size of a file: it is read with ``storage.open()`` one
``CHUNK`` at a time and written straight into its ZIP entry, never read whole. Media that
is already compressed goes in stored (deflating it again costs time and saves nothing);
anything else is deflated. A file the row names but storage does not have is listed as
missing (in the manifest and index.html), not a failed export: the customer still gets
everything else, and is told.

Each included file's SHA-256 is listed in the manifest. Hashing a gigabyte of video costs
more than copying it (bench/export_files.py), so where the registry names the columns that
recorded the file's SHA-256 and CRC-32 when it was stored (``PersonalField.file_sha256`` and
``file_crc32``), the copy is not hashed: the ZIP computes every entry's CRC-32 anyway, and
when it and the size equal those recorded, the bytes are the ones stored and the recorded
SHA-256 is theirs (``checked: "upload"``). When they differ, storage changed the file since
it was stored: that is logged as corruption, the file is read once more to hash what was
copied, and the manifest says so (``checked: "mismatch"``). A file with nothing recorded is
hashed as it is copied (``checked: "copy"``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from apps.personal_data.export.tables import export_stem
from apps.personal_data.registry import Entry, PersonalField

if TYPE_CHECKING:
    from apps.accounts.models import User  # the subject; AUTH_USER_MODEL at run time

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024
ROWS_CHUNK = 2000
# Suffixes of formats that are compressed already: stored as they are.
COMPRESSED = frozenset(
    {
        ".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".avif",
        ".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".3gp",
        ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".amr", ".flac",
        ".zip", ".gz", ".bz2", ".xz", ".7z", ".rar",
        ".pdf", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".epub",
    }
)  # fmt: skip
MISSING = "missing"
INCLUDED = "included"
# How an included file's SHA-256 was obtained (the manifest's "checked").
CHECKED_UPLOAD = "upload"  # recorded at upload; the copy's CRC-32 and size matched those recorded
CHECKED_COPY = "copy"  # computed from the bytes copied (nothing recorded to check against)
CHECKED_MISMATCH = "mismatch"  # the copy differs from what was recorded: storage corruption


def entry_info(name: str, *, compress: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    # ZIP entries carry a wall-clock time with no zone; UTC, as manifest.json's times say.
    # (ZipFile.writestr with a bare name would take the server process's local time.)
    info = zipfile.ZipInfo(name, date_time=timezone.now().astimezone(UTC).timetuple()[:6])
    info.compress_type = compress
    return info


@dataclass
class StoredFile:
    """One stored file of the subject's rows, as the manifest and index.html list it."""

    source: str  # the model's label
    label: str  # what the person calls the rows (Entry.person_title)
    field: str
    reference: str | None  # the row's opaque reference, where it has one
    name: str  # the name shown to the person
    file: str | None  # the path in the ZIP; None when storage did not have it
    status: str  # INCLUDED or MISSING
    sha256: str = ""
    bytes: int = 0
    crc32: str = ""  # the ZIP entry's CRC-32, 8 hex digits
    checked: str = ""  # how sha256 was obtained: CHECKED_UPLOAD, CHECKED_COPY or CHECKED_MISMATCH
    stored: str = ""  # the storage's (random) name: for the rows to point at the copy, never listed

    def as_dict(self) -> dict:
        # Named for the person: the kind of record it belongs to, never the model or field.
        return {
            "kind": self.label,
            "reference": self.reference,
            "name": self.name,
            "file": self.file,
            "status": self.status,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "crc32": self.crc32,
            "checked": self.checked,
        }


def file_fields(entry: Entry) -> list[tuple[PersonalField, models.FileField]]:
    """The registered personal fields of ``entry`` that name a stored file."""
    found = []
    for personal in entry.fields:
        model_field = entry.model._meta.get_field(personal.name)
        if isinstance(model_field, models.FileField):
            found.append((personal, model_field))
    return found


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def safe_name(name: str, *, fallback: str) -> str:
    """A plain file name for inside the ZIP: no folders, no characters that some systems
    refuse, not hidden, not too long (the suffix kept, so the file still opens)."""
    base = PurePosixPath(name.replace("\\", "/")).name
    base = _UNSAFE.sub("_", base).strip().lstrip(".").strip()
    if not base:
        base = PurePosixPath(fallback).name or "file"
    stem, suffix = (base.rsplit(".", 1)[0], "." + base.rsplit(".", 1)[1]) if "." in base else (base, "")
    if len(suffix) > 16:
        stem, suffix = base, ""
    return stem[: 120 - len(suffix)] + suffix


def _unique(name: str, used: set[str]) -> str:
    candidate, number = name, 1
    while candidate.lower() in used:
        number += 1
        stem, dot, suffix = name.rpartition(".")
        candidate = f"{stem} ({number}).{suffix}" if dot and stem else f"{name} ({number})"
    used.add(candidate.lower())
    return candidate


def _folder(entry: Entry, model_field: models.FileField, several: bool) -> str:
    # Named for the person (files/your-files/), like the CSV tables, never after the table.
    return f"files/{export_stem(entry)}" + (f"-{slugify(model_field.name)}" if several else "")


@dataclass(frozen=True)
class Recorded:
    """What was recorded about a file when it was stored."""

    sha256: str
    crc32: int
    size: int | None  # None: no size recorded (the CRC-32 alone is checked)


def _subject_files(entry: Entry, subject: User, personal: PersonalField) -> Iterator[tuple]:
    """(reference, stored name, given name, Recorded or None) of the subject's rows that name
    a file, in pk order."""
    model = entry.model
    has_reference = any(f.name == "reference" for f in model._meta.concrete_fields)
    recorded = bool(personal.file_sha256 and personal.file_crc32)
    columns = [personal.name, personal.file_name or personal.name]
    if recorded:
        columns += [personal.file_sha256, personal.file_crc32] + ([personal.file_size] if personal.file_size else [])
    if has_reference:
        columns.insert(0, "reference")
    rows = (
        model._default_manager.filter(entry.subject_q(subject))
        .exclude(**{personal.name: ""})
        .exclude(**{f"{personal.name}__isnull": True})
        .order_by("pk")
        .values_list(*columns)
    )
    for row in rows.iterator(chunk_size=ROWS_CHUNK):
        reference, row = (str(row[0]), row[1:]) if has_reference else (None, row)
        check = None
        if recorded and row[2] and row[3] is not None:
            check = Recorded(sha256=row[2], crc32=row[3], size=row[4] if len(row) > 4 else None)
        yield reference, row[0], row[1], check


def _open(storage, name: str):
    """The opened file and its first chunk, or None when storage does not have it.

    Some storages (S3) open lazily and only fail on the first read, hence the read here,
    before any ZIP entry exists: a missing file leaves no half-written entry behind.
    """
    try:
        handle = storage.open(name, "rb")
    except FileNotFoundError:
        return None
    except Exception:
        if not storage.exists(name):
            return None
        raise
    try:
        first = handle.read(CHUNK)
    except FileNotFoundError:
        handle.close()
        return None
    except Exception:
        handle.close()
        if not storage.exists(name):
            return None
        raise
    return handle, first


def copy_stored_files(
    zf: zipfile.ZipFile,
    *,
    subject: User,
    exported: list[Entry],
    alive: Callable[[], None] | None = None,
) -> list[StoredFile]:
    """Copy the subject's stored files into ``zf``; returns what was included or missing."""
    listed: list[StoredFile] = []
    for entry in exported:
        fields = file_fields(entry)
        for personal, model_field in fields:
            folder = _folder(entry, model_field, several=len(fields) > 1)
            used: set[str] = set()
            label = entry.person_title
            for reference, stored, given, recorded in _subject_files(entry, subject, personal):
                name = _unique(safe_name(str(given or ""), fallback=str(stored)), used)
                item = StoredFile(
                    source=entry.label,
                    label=label,
                    field=personal.name,
                    reference=reference,
                    name=name,
                    file=None,
                    status=MISSING,
                    stored=str(stored),
                )
                opened = _open(model_field.storage, str(stored))
                if opened is not None:
                    item.file = f"{folder}/{name}"
                    item.status = INCLUDED
                    _copy(zf, item, *opened, recorded=recorded, storage=model_field.storage, alive=alive)
                listed.append(item)
                if alive is not None:
                    alive()
    return listed


def _copy(
    zf: zipfile.ZipFile, item: StoredFile, handle, first: bytes, *, recorded: Recorded | None, storage, alive
) -> None:
    """Copy one opened file into the entry ``item.file``; fill in its size, CRC-32 and SHA-256."""
    path = str(item.file)
    compress = zipfile.ZIP_STORED if PurePosixPath(path).suffix.lower() in COMPRESSED else zipfile.ZIP_DEFLATED
    digest = hashlib.sha256() if recorded is None else None
    size = 0
    info = entry_info(path, compress=compress)
    with handle, zf.open(info, "w", force_zip64=True) as raw:
        chunk = first
        while chunk:
            if digest is not None:
                digest.update(chunk)
            raw.write(chunk)
            size += len(chunk)
            if alive is not None:
                alive()  # a long file keeps the job's lease (beat() itself is throttled)
            chunk = handle.read(CHUNK)
    # zipfile computed the entry's CRC-32 of the bytes as they were written.
    item.bytes, item.crc32 = size, f"{info.CRC:08x}"
    if digest is not None:
        item.sha256, item.checked = digest.hexdigest(), CHECKED_COPY
    elif recorded is not None and recorded.crc32 == info.CRC and recorded.size in (None, size):
        item.sha256, item.checked = recorded.sha256, CHECKED_UPLOAD
    else:
        logger.error(
            "storage corruption: %s %s (%s) differs from what was stored (CRC-32 %08x, %d bytes; recorded %08x, %s)",
            item.source,
            item.reference or "",
            item.stored,
            info.CRC,
            size,
            recorded.crc32 if recorded else 0,
            recorded.size if recorded else "?",
        )
        item.sha256, item.checked = _rehash(storage, item.stored, crc=info.CRC, size=size), CHECKED_MISMATCH


def _rehash(storage, name: str, *, crc: int, size: int) -> str:
    """The SHA-256 of the bytes copied, read once more: "" if storage gives other bytes again."""
    digest, again, total = hashlib.sha256(), 0, 0
    try:
        with storage.open(name, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                again = zlib.crc32(chunk, again)
                total += len(chunk)
    except OSError:
        return ""
    return digest.hexdigest() if (again, total) == (crc, size) else ""


def stored_paths(listed: list[StoredFile]) -> dict[tuple[str, str, str], str | None]:
    """(model label, field, stored name) -> path in the ZIP (None: missing), so the JSON and
    CSV rows name the copy in the download rather than a storage name that means nothing."""
    return {(f.source, f.field, f.stored): f.file for f in listed}
