"""An erasure certificate as a person reads it: what was erased, what was kept and why and until
when, which holds applied; the tables with nothing of the subject's folded away.

Reads the certificate's JSON only (apps/personal_data/erasure/certificate.py writes it), plus
the model and field names the registry's models give, so an old certificate reads the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from apps.personal_data.registry.taxonomy import LegalBasis

COUNTS = ("rows_deleted", "rows_anonymised", "rows_kept", "history_rows_scrubbed")
PLAN_COUNTS = ("rows_to_delete", "rows_to_anonymise", "rows_to_keep", "history_rows_to_scrub")


@dataclass(frozen=True)
class ErasedLine:
    what: str  # the kind of record ("Login events")
    deleted: int
    anonymised: int
    history_scrubbed: int


@dataclass(frozen=True)
class KeptLine:
    what: str
    rows: int
    fields: str  # the fields kept ("invoice number, amount")
    why: str  # the legal basis, or the hold
    until: str  # how long ("5 years after the account ends")


@dataclass(frozen=True)
class CertificateSummary:
    planned: bool  # a dry run's plan, not an erasure carried out
    erased: list[ErasedLine]
    kept: list[KeptLine]
    holds: list[dict[str, Any]]
    notes: list[str]
    untouched: list[str]  # kinds of record that held nothing of the subject's
    totals: dict[str, int] = field(default_factory=dict)


def _model_name(label: str) -> tuple[str, Any]:
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return label, None
    return capfirst(str(model._meta.verbose_name_plural)), model


def _field_name(model: Any, name: str) -> str:
    if model is None:
        return name.replace("_", " ")
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name.replace("_", " ")


def _basis(value: str) -> str:
    return str(LegalBasis(value).label) if value in LegalBasis.values else value.replace("_", " ")


def certificate_summary(certificate: dict[str, Any]) -> CertificateSummary:
    planned = "plan" in certificate and "tables" not in certificate
    rows = certificate.get("tables") or certificate.get("plan") or []
    keys = PLAN_COUNTS if planned else COUNTS
    erased, kept, untouched = [], [], []
    totals = dict.fromkeys(("deleted", "anonymised", "kept", "history_scrubbed"), 0)
    for row in rows:
        deleted, anonymised, kept_rows, scrubbed = (int(row.get(key) or 0) for key in keys)
        what, model = _model_name(row.get("model", row.get("table", "")))
        totals["deleted"] += deleted
        totals["anonymised"] += anonymised
        totals["kept"] += kept_rows
        totals["history_scrubbed"] += scrubbed
        if not (deleted or anonymised or kept_rows or scrubbed):
            untouched.append(what)
            continue
        if deleted or anonymised or scrubbed:
            erased.append(ErasedLine(what, deleted, anonymised, scrubbed))
        # What a kept field keeps stays on the anonymised rows as on the rows kept whole.
        remaining = anonymised + kept_rows
        for note in row.get("kept", []) if remaining else []:
            kept.append(
                KeptLine(
                    what,
                    remaining,
                    _field_name(model, note.get("field", "")),
                    _basis(note.get("legal_basis", "")),
                    note.get("retention", ""),
                )
            )
        for note in row.get("held", []) if kept_rows else []:
            reasons = ", ".join(h.get("reason", "").replace("_", " ") for h in note.get("holds", []))
            kept.append(
                KeptLine(
                    what,
                    kept_rows,
                    _field_name(model, note.get("field", "")),
                    reasons or note.get("note", ""),
                    _("until the legal hold is released"),
                )
            )
    return CertificateSummary(
        planned=planned,
        erased=erased,
        kept=kept,
        holds=list(certificate.get("holds") or []),
        notes=[str(note) for note in certificate.get("notes", [])],
        untouched=sorted(untouched),
        totals=totals,
    )
