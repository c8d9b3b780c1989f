"""The export's ``index.html`` (the overview: a page per category, the person's files, the files
for machines, what was left out and why) and its "Your rights and this data" page, for a person
to read in their own language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from apps.personal_data.selectors.rights import rights_statement


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
    rights_page: str = "",
    parts: list[dict] | None = None,
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
            "rights_page": rights_page,
            "parts": parts or [],
        },
    )


def render_rights(*, subject: Any, language: str) -> str:
    """The "Your rights and this data" page: the access answer of Art. 15, as the access
    request's outcome gives it in words (selectors/rights.py: one generator, two renderings)."""
    statement = rights_statement(subject)
    return render_to_string(
        "personal_data/export/rights.html",
        {
            "title": _("Your rights and this data"),
            "language": language,
            "controller": statement.controller,
            "statement": statement,
        },
    )
