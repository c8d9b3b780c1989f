"""The export's ``index.html``: what each file holds, who the controller is, and what was
left out and why, for a person to read in their own language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.template.loader import render_to_string


def render_index(
    *,
    controller: Any,
    generated_at: datetime,
    subject: Any,
    subject_reference: str,
    categories: list[dict],
    tables: list[dict],
    notes: list,
    language: str,
    stored_files: list | None = None,
) -> str:
    """The page, rendered in the active language (the archive is built under the subject's)."""
    return render_to_string(
        "personal_data/export_index.html",
        {
            "controller": controller,
            "generated_at": generated_at,
            "subject": subject,
            "subject_reference": subject_reference,
            "categories": categories,
            "tables": tables,
            "notes": notes,
            "language": language,
            "stored_files": stored_files or [],
            "missing_files": sum(1 for f in stored_files or [] if not f.file),
        },
    )
