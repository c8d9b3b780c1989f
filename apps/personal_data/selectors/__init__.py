"""Reads: over the registry (the record of processing, "where do we hold this value?"), and a
subject's exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import FieldError
from django.db import models
from django.db.models import QuerySet

from apps.personal_data.models import DataExport
from apps.personal_data.registry import entries, exemptions

if TYPE_CHECKING:
    from apps.accounts.models import User  # the subject; AUTH_USER_MODEL at run time

TEXT_FIELDS = (models.CharField, models.TextField, models.EmailField, models.GenericIPAddressField)


def personal_data_map_rows() -> list[dict]:
    """One row per registered personal field: the basis of the record of processing."""
    rows = []
    for entry in entries():
        subject = entry.subject if isinstance(entry.subject, str) else "(custom filter)"
        for f in entry.fields:
            rows.append(
                {
                    "model": entry.label,
                    "table": entry.table,
                    "history_table": entry.history_model._meta.db_table if entry.history_model else "",
                    "subject_path": subject or "(the user row)",
                    "field": f.name,
                    "category": str(f.category),
                    "fides_category": f.fides_category,
                    "erasure": "delete row" if entry.erase == "delete_row" and f.action != "keep" else str(f.action),
                    "legal_basis": str(f.legal_basis or ""),
                    "retention": str(f.retention),
                    "purpose": str(entry.purpose),
                }
            )
    return rows


def personal_data_exemption_rows() -> list[dict]:
    return [{"model": e.model._meta.label, "reason": e.reason} for e in exemptions()]


@dataclass(frozen=True)
class Finding:
    table: str
    model: str
    field: str
    row: str
    is_history: bool
    subject_id: int | None = None  # the person the row is about, where the registry says how


def _subject_column(entry, model, is_history: bool) -> str | None:
    """The column holding the subject's user id in ``model`` (live or history), if a plain path."""
    if not isinstance(entry.subject, str):
        return None
    if entry.subject == "":
        return "id" if is_history else "pk"
    path = f"{entry.subject}__pk"
    try:
        model._base_manager.values(path).query  # noqa: B018 (raises FieldError when the path does not apply)
    except FieldError:
        return None
    return path


def find_personal_data(value: str, *, limit_per_field: int = 50) -> list[Finding]:
    """Every registered text field, history tables included, that contains ``value``."""
    needle = value.replace("\x00", "").strip()  # PostgreSQL text cannot hold a NUL
    if not needle:
        return []
    findings: list[Finding] = []
    for entry in entries():
        targets = [(entry.model, False)]
        if entry.history_model is not None:
            targets.append((entry.history_model, True))
        for model, is_history in targets:
            field_names = {f.name for f in model._meta.get_fields() if f.concrete}
            pk_name = "history_id" if is_history else "pk"
            subject_column = _subject_column(entry, model, is_history)
            columns = [pf.name for pf in entry.fields]
            if is_history and "history_change_reason" in field_names:
                columns.append("history_change_reason")
            for name in columns:
                if name not in field_names or not isinstance(model._meta.get_field(name), TEXT_FIELDS):
                    continue
                selected = [pk_name, subject_column] if subject_column else [pk_name]
                matches = (
                    model._base_manager.filter(**{f"{name}__icontains": needle})
                    .order_by(pk_name)
                    .values_list(*selected)[:limit_per_field]
                )
                findings.extend(
                    Finding(
                        table=model._meta.db_table,
                        model=model._meta.label,
                        field=name,
                        row=str(match[0]),
                        is_history=is_history,
                        subject_id=match[1] if subject_column else None,
                    )
                    for match in matches
                )
    return findings


def exports_for_subject(*, subject: User) -> QuerySet[DataExport]:
    # select_related: each READY row's download token names its owner.
    return DataExport.objects.filter(subject=subject).select_related("subject").order_by("-created_at", "-pk")
