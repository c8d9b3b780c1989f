"""Reads over the registry: the record of processing and "where do we hold this value?"."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from apps.personal_data.registry import FIDES_CATEGORY, entries, exemptions

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
                    "fides_category": FIDES_CATEGORY[f.category],
                    "erasure": "delete row" if entry.erase == "delete_row" and f.action != "keep" else str(f.action),
                    "legal_basis": str(f.legal_basis or ""),
                    "retention": f.retention,
                    "purpose": entry.purpose,
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


def find_personal_data(value: str, *, limit_per_field: int = 50) -> list[Finding]:
    """Every registered text field, history tables included, that contains ``value``."""
    needle = value.strip()
    if not needle:
        return []
    findings: list[Finding] = []
    for entry in entries():
        targets = [(entry.model, False)]
        if entry.history_model is not None:
            targets.append((entry.history_model, True))
        for model, is_history in targets:
            field_names = {f.name for f in model._meta.get_fields() if f.concrete}
            for personal_field in entry.fields:
                name = personal_field.name
                if name not in field_names or not isinstance(model._meta.get_field(name), TEXT_FIELDS):
                    continue
                pk_name = "history_id" if is_history else "pk"
                matches = (
                    model._base_manager.filter(**{f"{name}__icontains": needle})
                    .order_by(pk_name)
                    .values_list(pk_name, flat=True)[:limit_per_field]
                )
                findings.extend(
                    Finding(
                        table=model._meta.db_table,
                        model=model._meta.label,
                        field=name,
                        row=str(pk),
                        is_history=is_history,
                    )
                    for pk in matches
                )
            if is_history and "history_change_reason" in field_names:
                for pk in model._base_manager.filter(history_change_reason__icontains=needle).values_list(
                    "history_id", flat=True
                )[:limit_per_field]:
                    findings.append(
                        Finding(model._meta.db_table, model._meta.label, "history_change_reason", str(pk), True)
                    )
    return findings
