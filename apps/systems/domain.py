"""Words and rules of apps/systems shared by its layers."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.spreadsheets import SpreadsheetWriter
from apps.subject_requests.models import RequestType

# The core outbox's endpoint kind for systems' webhooks (apps/core/webhooks/).
ENDPOINT = "systems.system"
# The job that emails a system its instructions (apps/core/jobs/).
INSTRUCTIONS_JOB = "systems.instructions"

# The requests that must reach other systems, and what each asks of them.
ACTIONS: dict[str, str] = {
    RequestType.ERASURE: "erase",
    RequestType.RECTIFICATION: "rectify",
    RequestType.RESTRICTION: "restrict",
    RequestType.OBJECTION: "object",
    # Access: the system sends what it holds, and it goes into the person's export.
    RequestType.ACCESS: "access",
}
ACTION_LABELS = {
    "erase": _("Erase the person's data"),
    "rectify": _("Correct the person's data"),
    "restrict": _("Restrict processing of the person's data"),
    "object": _("Stop processing the person's data for the purposes objected to"),
    "access": _("Send us the data you hold about the person, as one JSON or CSV file uploaded with your answer"),
    "test": _("Test event: do nothing"),
}
# What a system may answer (the callback, the email link, an officer's tick).
ANSWERS = ("done", "nothing_held", "failed")
# Reminders go to a silent system's privacy contact this long before its deadline.
REMIND_BEFORE_DAYS = 2

# What an access answer's file may be, by format: its extension and media type.
ACCESS_FORMATS = {"json": "application/json", "csv": "text/csv"}


@dataclass(frozen=True)
class AccessFile:
    """A system's answer to an access request, as received (not yet checked)."""

    content: bytes
    format: str


class AccessFileRefused(ValueError):
    """The file cannot go into the export; ``status`` is the HTTP status a callback answers."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def access_file_checked(file: AccessFile) -> AccessFile:
    """The file as it goes into the export (a byte-order mark dropped, a CSV rewritten with its
    formula-like cells neutralised), or AccessFileRefused:
    too large, not JSON or CSV, not UTF-8, or not parseable as what it says it is."""
    limit = settings.SYSTEMS_ACCESS_FILE_MAX_BYTES
    if file.format not in ACCESS_FORMATS:
        raise AccessFileRefused(gettext("The file's format must be json or csv."), 415)
    if len(file.content) > limit:
        raise AccessFileRefused(gettext("The file is larger than %(limit)s bytes.") % {"limit": limit}, 413)
    content = file.content.removeprefix(b"\xef\xbb\xbf")
    if not content.strip():
        raise AccessFileRefused(gettext("The file is empty."))
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AccessFileRefused(gettext("The file is not UTF-8 text (byte %(at)s).") % {"at": exc.start}) from exc
    if "\x00" in text:
        raise AccessFileRefused(gettext("The file holds a NUL character; it is not text."))
    try:
        if file.format == "json":
            json.loads(text)
        else:
            content = _csv_rewritten(text)
    except (ValueError, RecursionError, csv.Error) as exc:
        raise AccessFileRefused(
            gettext("The file is not valid %(format)s: %(error)s") % {"format": file.format.upper(), "error": exc}
        ) from exc
    return AccessFile(content=content, format=file.format)


def _csv_rewritten(text: str) -> bytes:
    """The system's rows written again by the portal's one CSV writer: the person opens the file
    in a spreadsheet, and a cell such as ``=HYPERLINK(...)`` from another company's system must
    show as text, never run. The export's checksums are of these bytes."""
    # The standard library refuses a field over 128 KiB; a valid file may hold one as large as
    # the whole file may be (the size limit above bounds it). The limit is the process's, so it
    # is only ever raised, never lowered under another caller.
    csv.field_size_limit(max(csv.field_size_limit(), settings.SYSTEMS_ACCESS_FILE_MAX_BYTES))
    rewritten = io.StringIO(newline="")
    SpreadsheetWriter(rewritten).writerows(csv.reader(io.StringIO(text, newline=""), strict=True))
    return rewritten.getvalue().encode()
