"""Reads of the disclosure register for officers and auditors (P-20..P-23).

- ``verify_chain``: walk the register and name the first broken link (the rules are in ``domain``).
- ``disclosure_correction_chain``: the entries linked to one through amendments.
- ``register_import_entries``: the rows of an imported CSV file resolved to recipients and accounts.
- ``register_export_rows``: the register as CSV, for regulators (the changelist's export action).
- ``monthly_chart``: disclosures per month and recipient category (server-side SVG, no JavaScript).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Lower, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.charts import CHART_COLOURS, BarFrame, last_months
from apps.core.clock import organisation_today
from apps.core.models import reference_prefix_range
from apps.disclosures.domain import (
    GENESIS,
    HASHED_COLUMNS,
    ChainBreak,
    compute_hash,
    content_of,
    parse_moment,
    split_values,
)
from apps.disclosures.models import ChainAnchor, ChainHead, Disclosure, DisclosureSubject, Recipient

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --- Chain verification ------------------------------------------------------------------------


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


# --- Corrections -------------------------------------------------------------------------------


def disclosure_correction_chain(disclosure: Disclosure) -> list[Disclosure]:
    """The other entries linked to ``disclosure`` through amendments, both ways, transitively."""
    seen, todo, found = {disclosure.pk}, [disclosure.pk], []
    while todo:
        pk = todo.pop()
        for entry in Disclosure.objects.filter(
            Q(pk__in=Disclosure.objects.filter(pk=pk).values("amends")) | Q(amends=pk)
        ):
            if entry.pk not in seen:
                seen.add(entry.pk)
                todo.append(entry.pk)
                found.append(entry)
    return found


# --- Import: the rows of a CSV file resolved ---------------------------------------------------


class _Lookups:
    """Recipients, accounts and legal bases, each fetched once for the whole file."""

    def __init__(self, rows: list[dict[str, str]]):
        # A register names tens of recipients, not thousands: all active ones, by name or reference.
        self.recipients = {}
        for recipient in Recipient.objects.filter(is_active=True):
            self.recipients[recipient.name.casefold()] = recipient
            self.recipients[str(recipient.reference)] = recipient
        emails = {e.lower() for row in rows for e in split_values(row["subjects"])}
        accounts = User.objects.annotate(address=Lower("email")).filter(address__in=emails)
        self.accounts = {account.address: account for account in accounts}
        self.legal_bases = {value: value for value in Disclosure.LegalBasis.values}
        self.legal_bases.update({str(label).casefold(): value for value, label in Disclosure.LegalBasis.choices})

    def recipient(self, value: str) -> Recipient | None:
        return self.recipients.get(value.strip().casefold())


def register_import_entries(rows: list[dict[str, str]], *, refuse: Callable[[dict], str] | None = None) -> list[dict]:
    """Entries for ``disclosure_record_many`` from CSV rows (``domain.read_csv_rows``).

    A ValidationError lists every problem, each with its entry number.

    ``refuse``, if given, is asked about each well-formed entry and returns why the caller will
    not take it ("" to take it): the admin refuses what one officer may not record alone.
    """
    lookups = _Lookups(rows)
    entries, problems = [], []
    now = timezone.now()
    for position, row in enumerate(rows, start=1):
        found: list[str] = []
        disclosed_at = parse_moment(row["disclosed_at"])
        if disclosed_at is None:
            found.append(_("the date %(value)r is not a date (use YYYY-MM-DD)") % {"value": row["disclosed_at"]})
        elif disclosed_at > now:
            found.append(_("the date is in the future"))
        recipient = lookups.recipient(row["recipient"])
        if recipient is None:
            found.append(_("no active recipient is called %(value)r") % {"value": row["recipient"]})
        subjects = []
        for email in split_values(row["subjects"]):
            account = lookups.accounts.get(email.lower())
            if account is None:
                found.append(_("no account has the address %(value)r") % {"value": email})
            else:
                subjects.append(account)
        legal_basis = lookups.legal_bases.get(row["legal_basis"].casefold())
        if legal_basis is None:
            found.append(_("%(value)r is not a legal basis") % {"value": row["legal_basis"]})
        for column in ("description", "reason"):
            if not row[column]:
                found.append(_("the %(column)s is empty") % {"column": column})
        if found:
            problems.append(
                _("Entry %(position)d: %(problems)s.") % {"position": position, "problems": "; ".join(found)}
            )
            continue
        withheld = row["withheld_reason"]
        entry = {
            "recipient": recipient,
            "subjects": subjects,
            "data_categories": split_values(row["data_categories"]),
            "description": row["description"],
            "disclosed_at": disclosed_at,
            "reason": row["reason"],
            "legal_basis": legal_basis,
            "external_reference": row["external_reference"],
            "requested_by": row["requested_by"],
            "visibility": Disclosure.Visibility.WITHHELD if withheld else Disclosure.Visibility.VISIBLE,
            "withheld_reason": withheld,
        }
        if refuse is not None and (why := refuse(entry)):
            problems.append(_("Entry %(position)d: %(problems)s.") % {"position": position, "problems": why})
            continue
        entries.append(entry)
    if problems:
        raise ValidationError(problems)
    return entries


# --- Export: the register as CSV, for regulators -----------------------------------------------

REGISTER_EXPORT_COLUMNS = (
    "sequence",
    "reference",
    "disclosed_at",
    "recorded_at",
    "recipient",
    "recipient_category",
    "recipient_country",
    "international_transfer",
    "transfer_safeguard",
    "agreement",
    "agreement_reference",
    "data_categories",
    "description",
    "reason",
    "legal_basis",
    "external_reference",
    "requested_by",
    "approved_by",
    "recorded_by",
    "amends",
    "visibility",
    "withheld_reason",
    "subject_count",
    "subject_references",
    "previous_hash",
    "entry_hash",
)


def register_export_rows(queryset: QuerySet[Disclosure]) -> Iterator[list[Any]]:
    """The chosen entries in sequence order, one row each (REGISTER_EXPORT_COLUMNS).

    With their subjects' pseudonymous references, never who they are.
    """
    entries = (
        queryset.select_related("recipient", "amends", "approved_by", "recorded_by")
        .prefetch_related(Prefetch("subjects", queryset=DisclosureSubject.objects.order_by("subject_reference")))
        .order_by("sequence")
    )
    for entry in entries:
        recipient = entry.recipient
        references = [link.subject_reference for link in entry.subjects.all()]
        yield [
            entry.sequence,
            entry.reference,
            entry.disclosed_at.isoformat(),
            entry.created_at.isoformat(),
            recipient.name,
            recipient.category,
            str(recipient.country),
            "yes" if recipient.is_international else "no",
            recipient.transfer_safeguard,
            recipient.agreement,
            recipient.agreement_reference,
            ";".join(entry.data_categories),
            entry.description,
            entry.reason,
            entry.legal_basis,
            entry.external_reference,
            entry.requested_by,
            entry.approved_by.email if entry.approved_by else "",
            entry.recorded_by.email,
            entry.amends.sequence if entry.amends is not None else "",
            entry.visibility,
            entry.withheld_reason,
            len(references),
            ";".join(references),
            entry.previous_hash,
            entry.entry_hash,
        ]


# --- The monthly chart -------------------------------------------------------------------------


class LegendItem(TypedDict):
    value: str  # the recipient category
    label: StrOrPromise  # translated when rendered
    colour: str


def monthly_chart(*, today: date | None = None) -> dict:
    """Counts per month and recipient category for the last 12 months, laid out as stacked bars."""
    months = last_months(today or organisation_today())
    start = datetime(months[0].year, months[0].month, 1, tzinfo=timezone.get_current_timezone())
    rows = (
        Disclosure.objects.filter(disclosed_at__gte=start)
        .annotate(month=TruncMonth("disclosed_at"))
        .values("month", category=F("recipient__category"))
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[date, str], int] = {}
    for row in rows:
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        counts[(month, row["category"])] = counts.get((month, row["category"]), 0) + row["n"]
    labels = dict(Recipient.Category.choices)
    categories = [value for value in Recipient.Category.values if any(c == value for _m, c in counts)]
    legend: list[LegendItem] = [
        {"value": value, "label": labels[value], "colour": CHART_COLOURS[i % len(CHART_COLOURS)]}
        for i, value in enumerate(categories)
    ]
    totals = [sum(counts.get((month, c), 0) for c in categories) for month in months]
    peak = max(totals, default=0) or 1
    frame = BarFrame(columns=len(months))
    bars = []
    for index, month in enumerate(months):
        y: float = frame.baseline
        segments = []
        for item in legend:
            n = counts.get((month, item["value"]), 0)
            if n:
                h = n * frame.height / peak
                y -= h
                segments.append({"y": round(y, 1), "height": round(h, 1), "count": n, **item})
        bars.append(
            {
                "month": month,
                "x": frame.x(index),
                "label_x": frame.label_x(index),
                "segments": segments,
                "total": totals[index],
            }
        )
    table = [
        {"month": month, "cells": [counts.get((month, item["value"]), 0) for item in legend], "total": totals[index]}
        for index, month in enumerate(months)
    ]
    return {
        "bars": bars,
        "legend": legend,
        "table": table,
        "peak": peak,
        "chart": frame.as_dict(),
        "total": sum(totals),
    }


def register_search(queryset: QuerySet[Disclosure], term: str) -> QuerySet[Disclosure]:
    """The admin's search, each part answered by an index at a million entries: the start of the
    entry's reference (a range of its unique index), the recipient's own reference whole, or
    the start of the recipient's name (recipients are few: looked up first, then their entries)."""
    term = term.strip()
    if not term:
        return queryset
    condition = Q(external_reference=term) | Q(recipient__in=Recipient.objects.filter(name__icontains=term))
    references = reference_prefix_range(term)
    if references is not None:
        condition |= Q(reference__range=references)
    return queryset.filter(condition)
