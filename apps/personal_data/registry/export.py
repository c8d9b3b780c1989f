"""What other apps add to the export: notes about records left out, and tables of records that
are not registry rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# --- Additions to the export --------------------------------------------------------------
#
# Later apps add notes about records they withhold (e.g. disclosures kept from the subject
# under an exemption) by appending a provider to ``EXPORT_NOTES``, and tables of records that
# are not registry rows (e.g. the disclosure register, filtered for the subject) by appending
# a provider to ``EXPORT_TABLES``: each table becomes ``<stem>.json`` and ``tables/<stem>.csv``
# (apps/personal_data/export/archive.py).


@dataclass(frozen=True)
class ExportNote:
    """A statement in the export about records that exist but are left out (or summarised).

    ``category`` is a registry Category value (or "" for a general note); ``text`` is
    shown to the person as is, so providers translate it (they run under the subject's
    language).
    """

    category: str
    title: str
    text: str
    count: int | None = None


# Providers: subject (the user) -> notes. The disclosures app appends one for withheld
# disclosure records ("withheld records are left out with a note").
EXPORT_NOTES: list[Callable[[Any], Iterable[ExportNote]]] = []


@dataclass(frozen=True)
class ExportTable:
    """Records another app adds to the export, written as ``<stem>.json``, ``tables/<stem>.csv`` and a
    readable page (underscores in the stem become hyphens in the file names).

    ``rows`` is called once per file and returns the rows, each a sequence in ``columns``
    order (stream them: an iterator over a queryset keeps memory flat). ``title`` and
    ``labels`` are shown to the person, so providers translate them. The provider decides what the subject may see
    (the disclosures app leaves out withheld records and says so through EXPORT_NOTES).
    """

    stem: str
    title: str
    columns: Sequence[str]
    rows: Callable[[], Iterable[Sequence[Any]]]
    # The readable page's column headings, one per column, in words the person reads (lazily
    # translated); the files keep the machine-readable ``columns``.
    labels: Sequence[Any] = ()

    def __post_init__(self) -> None:
        if self.labels and len(self.labels) != len(self.columns):
            raise ValueError(f"export table {self.stem!r}: {len(self.labels)} labels for {len(self.columns)} columns")


# Providers: subject (the user) -> tables. The disclosures app appends one for the
# subject's visible disclosure records (P-22).
EXPORT_TABLES: list[Callable[[Any], Iterable[ExportTable]]] = []


@dataclass(frozen=True)
class ExportPartFile:
    """One file of an export part, copied as is: ``chunks`` is called once and yields its bytes."""

    name: str
    chunks: Callable[[], Iterable[bytes]]


@dataclass(frozen=True)
class ExportPart:
    """A folder of files another app adds to one export, written under ``folder`` (e.g.
    ``systems/mail-provider``), listed in index.html with ``title`` and ``summary`` (shown to the
    person, so translated by the provider) and in manifest.json with every file's checksum."""

    folder: str
    title: str
    summary: str
    files: Sequence[ExportPartFile] = ()


# Providers: (subject, DataExport) -> parts. Unlike the tables they see the export itself, so
# a part can belong to one export only: apps/systems adds each system's answer to the access
# request the export answers (systems/<system>/...).
EXPORT_PARTS: list[Callable[[Any, Any], Iterable[ExportPart]]] = []
