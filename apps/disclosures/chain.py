"""The hash chain over the disclosure register.

Each entry's hash covers its immutable content and the previous entry's hash, so changing,
removing or reordering any entry breaks the link at that point, and the first broken link
names the place. Daily anchors of the head (ChainAnchor) catch a truncated tail.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from apps.disclosures.models import ChainAnchor, ChainHead, Disclosure, DisclosureSubject

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


def compute_hash(previous_hash: str, content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{previous_hash}\n{canonical}".encode()).hexdigest()


def hash_for(disclosure: Disclosure, previous_hash: str, subject_references: Iterable[str]) -> str:
    values = {column: getattr(disclosure, column) for column in HASHED_COLUMNS}
    return compute_hash(previous_hash, content_of(values, subject_references))


@dataclass(frozen=True)
class ChainBreak:
    position: int  # 1-based position in sequence order
    sequence: int | None
    reference: str
    problem: str


def _entries_with_subjects(batch_size: int = 5000) -> Iterator[tuple[dict, list[str]]]:
    """Entries in sequence order with their subject references, in keyset batches (flat memory)."""
    last = 0
    while True:
        rows = list(
            Disclosure.objects.filter(sequence__gt=last)
            .order_by("sequence")
            .values("pk", "previous_hash", "entry_hash", *HASHED_COLUMNS)[:batch_size]
        )
        if not rows:
            return
        subjects: dict[int, list[str]] = {}
        pairs = DisclosureSubject.objects.filter(disclosure_id__gte=rows[0]["pk"], disclosure_id__lte=rows[-1]["pk"])
        for disclosure_id, ref in pairs.values_list("disclosure_id", "subject_reference"):
            subjects.setdefault(disclosure_id, []).append(ref)
        for row in rows:
            yield row, subjects.get(row["pk"], [])
        last = rows[-1]["sequence"]


def verify_chain() -> tuple[int, ChainBreak | None]:
    """Walk the register; return (entries checked, the first break or None)."""
    anchors = dict(ChainAnchor.objects.values_list("sequence", "entry_hash"))
    # The live head counts as an anchor too: a tail deleted since the last daily anchor shows.
    # Read before the walk, so entries appended meanwhile only lengthen the register.
    head = ChainHead.objects.filter(singleton=True).values_list("sequence", "entry_hash").first()
    if head is not None and head[0] > 0:
        anchors.setdefault(head[0], head[1])
    previous_hash = GENESIS
    checked = 0
    for row, subjects in _entries_with_subjects():
        checked += 1
        expected = checked
        where = {"position": checked, "sequence": row["sequence"], "reference": str(row["reference"])}
        if row["sequence"] != expected:
            return checked, ChainBreak(**where, problem=f"entry #{expected} is missing (deleted or reordered)")
        if row["previous_hash"] != previous_hash:
            return checked, ChainBreak(**where, problem="does not link to the entry before it (reordered or inserted)")
        if compute_hash(previous_hash, content_of(row, subjects)) != row["entry_hash"]:
            return checked, ChainBreak(**where, problem="its content was changed after it was recorded")
        if row["sequence"] in anchors and anchors[row["sequence"]] != row["entry_hash"]:
            return checked, ChainBreak(**where, problem="differs from the head hash anchored for this position")
        previous_hash = row["entry_hash"]
    beyond = [sequence for sequence in anchors if sequence > checked]
    if beyond:
        return checked, ChainBreak(
            position=checked + 1,
            sequence=max(beyond),
            reference="",
            problem=f"the register ends at #{checked} but was anchored at #{max(beyond)} (truncated)",
        )
    return checked, None
