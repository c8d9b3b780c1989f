"""The disclosures app's rules in plain Python: no queries, no writes, no request.

- The hash chain over the register: each entry's hash covers its immutable content and the
  previous entry's hash, so changing, removing or reordering any entry breaks the link at that
  point, and the first broken link names the place. Daily anchors of the head (ChainAnchor)
  catch a truncated tail. The walk over the database is ``selectors.register.verify_chain``;
  sealing entries onto the chain is ``services.register``.
- Attachments: which documents may be kept with an entry, by what their bytes say they are.
- The register as CSV (import): the columns and reading the file into rows; resolving the rows
  against recipients and accounts is ``selectors.register.register_import_entries``.
- Staff access to customer content (P-24): how long access lasts and who may ask for it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

# --- The hash chain ----------------------------------------------------------------------------

GENESIS = "0" * 64
HASH_VERSION = 1
# The columns the hash covers; visibility and notification are not among them (they may change).
HASHED_COLUMNS = (
    "sequence",
    "reference",
    "recipient_id",
    "data_categories",
    "description",
    "disclosed_at",
    "reason",
    "legal_basis",
    "external_reference",
    "requested_by",
    "approved_by_id",
    "recorded_by_id",
    "amends_id",
)


def content_of(values: dict, subject_references: Iterable[str]) -> dict:
    """The hashed content, from a row's values (a dict with HASHED_COLUMNS)."""
    content = {column: values[column] for column in HASHED_COLUMNS}
    content["reference"] = str(content["reference"])
    content["data_categories"] = sorted(content["data_categories"])
    content["disclosed_at"] = content["disclosed_at"].isoformat()
    content["subjects"] = sorted(subject_references)
    content["v"] = HASH_VERSION
    return content


def _canonical(content: dict) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def compute_hash(previous_hash: str, content: dict) -> str:
    return hashlib.sha256(f"{previous_hash}\n{_canonical(content)}".encode()).hexdigest()


# Stands in for the position while an entry's text is prepared; as a JSON string after the
# key, it can only occur where the position goes (quotes inside strings are escaped).
_POSITION_MARK = '"sequence":"<position>"'


@dataclass(frozen=True)
class PendingLink:
    """An entry's hashed text with its position left open.

    Everything but the position and the previous hash is known before the head is locked, so
    the serialising, the slow part, happens outside the lock; hash_at gives the same hash as
    compute_hash over the finished content.
    """

    before: str
    after: str

    def hash_at(self, sequence: int, previous_hash: str) -> str:
        return hashlib.sha256(f"{previous_hash}\n{self.before}{sequence}{self.after}".encode()).hexdigest()


def pending_link(disclosure: Any, subject_references: Iterable[str]) -> PendingLink:
    """The pending link of an unsealed ``Disclosure`` (anything with the HASHED_COLUMNS as attributes)."""
    values = {column: getattr(disclosure, column) for column in HASHED_COLUMNS}
    values["sequence"] = "<position>"
    before, mark, after = _canonical(content_of(values, subject_references)).partition(_POSITION_MARK)
    if not mark:
        raise RuntimeError("the hashed content has no position")
    return PendingLink(before=before + '"sequence":', after=after)


@dataclass(frozen=True)
class ChainBreak:
    position: int  # 1-based position in sequence order
    sequence: int | None
    reference: str
    problem: str


# --- Attachments -------------------------------------------------------------------------------

ATTACHMENT_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
}
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


def sniffed_type(head: bytes) -> str | None:
    """The type the bytes say they are (not what the browser claimed)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain" if b"\x00" not in head else None


# --- The register as CSV (import) --------------------------------------------------------------
#
# A register kept elsewhere (a spreadsheet, a processor's log) is checked whole before anything
# is written: every problem is reported with its entry number, and one bad entry means nothing
# is imported (services.register.disclosure_import).

REQUIRED_COLUMNS = ("disclosed_at", "recipient", "subjects", "data_categories", "description", "reason", "legal_basis")
OPTIONAL_COLUMNS = ("external_reference", "requested_by", "withheld_reason")
MAX_ENTRIES = 50_000


def split_values(value: str) -> list[str]:
    """Several values in one cell, separated by semicolons (or commas)."""
    return [part.strip() for part in value.replace(",", ";").split(";") if part.strip()]


def parse_moment(value: str) -> datetime | None:
    """A date (taken as noon) or a date and time; naive ones in the current time zone."""
    moment = parse_datetime(value)
    if moment is None and (day := parse_date(value)) is not None:
        moment = datetime.combine(day, time(12, 0))
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def read_csv_rows(text: Iterable[str]) -> list[dict[str, str]]:
    """The file's rows (every known column, stripped); ValidationError for a file without entries or columns."""
    reader = csv.DictReader(text)
    columns = [column.strip() for column in reader.fieldnames or []]
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise ValidationError(_("The file lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)})
    reader.fieldnames = columns
    rows: list[dict[str, str]] = []
    for row in reader:
        if len(rows) == MAX_ENTRIES:
            raise ValidationError(_("At most %(count)d entries per file.") % {"count": MAX_ENTRIES})
        rows.append({column: (row.get(column) or "").strip() for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)})
    if not rows:
        raise ValidationError(_("The file has no entries."))
    return rows


def parse_register_csv(data: bytes) -> list[dict[str, str]]:
    """The rows of an uploaded CSV file; ValidationError when it is not UTF-8 CSV with the columns."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(_("The file is not UTF-8 text.")) from error
    try:
        return read_csv_rows(io.StringIO(text, newline=""))
    except csv.Error as error:
        raise ValidationError(_("The file is not valid CSV: %(error)s") % {"error": error}) from error


# --- Staff access to customer content (P-24) ---------------------------------------------------

# Deliberately not settings: changing how long staff may look is a privacy decision, made in code review.
SUPPORT_ACCESS_DURATION = timedelta(hours=2)  # from the customer's approval
LEGAL_ACCESS_DURATION = timedelta(hours=24)  # from the request

# Who may ask for access, and who may open content for a legal process without asking first:
# legal access belongs to the people who handle compelled requests (privacy officers), so a
# support agent cannot skip the customer's approval by choosing "legal".
REQUEST_PERMISSION = "disclosures.add_contentaccessgrant"
LEGAL_PERMISSION = "disclosures.add_compelledrequest"
# Officers may end any grant; the customer and the staff member may end their own.
REVOKE_ANY_PERMISSION = "disclosures.change_contentaccessgrant"
