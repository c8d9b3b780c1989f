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


def pending_link(disclosure: Disclosure, subject_references: Iterable[str]) -> PendingLink:
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
        # Ids follow insertion, positions follow sealing; concurrent writers interleave the two,
        # so the batch's ids are a range around its positions, not between its first and last.
        ids = [row["pk"] for row in rows]
        pairs = DisclosureSubject.objects.filter(disclosure_id__gte=min(ids), disclosure_id__lte=max(ids))
        for disclosure_id, ref in pairs.values_list("disclosure_id", "subject_reference"):
            subjects.setdefault(disclosure_id, []).append(ref)
        for row in rows:
            yield row, subjects.get(row["pk"], [])
        last = rows[-1]["sequence"]


def verify_chain(batch_size: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk the register; return (entries checked, the first break or None)."""
    anchors = dict(ChainAnchor.objects.values_list("sequence", "entry_hash"))
    # The live head counts as an anchor too: a tail deleted since the last daily anchor shows.
    # Read before the walk, so entries appended meanwhile only lengthen the register.
    head = ChainHead.objects.filter(singleton=True).values_list("sequence", "entry_hash").first()
    if head is not None and head[0] > 0:
        anchors.setdefault(head[0], head[1])
    # Appends seal their entry before they commit, so a committed entry off the chain was put
    # there by hand (or by a writer that bypassed the service).
    unsealed = Disclosure.objects.filter(sequence__isnull=True).order_by("pk").values_list("reference", flat=True)
    if reference := unsealed.first():
        return 0, ChainBreak(
            position=0, sequence=None, reference=str(reference), problem="committed without being sealed onto the chain"
        )
    previous_hash = GENESIS
    checked = 0
    for row, subjects in _entries_with_subjects(batch_size):
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
