"""The certificate of a finished erasure: per table what was deleted, anonymised, kept or
held, and why; references and counts only, nothing that identifies the person."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from apps.personal_data.erasure.batches import certificate_files_update
from apps.personal_data.erasure.checkpoint import _new_state
from apps.personal_data.erasure.plan import table_plan
from apps.personal_data.models import ErasureRun
from apps.personal_data.registry import Hold, entries

ENGINE_VERSION = "portal-erasure/1"

TOKEN_NOTE = (
    "Social sign-in tokens were deleted here; revocation at the provider was not attempted "
    "(SOCIALACCOUNT_REVOKE_TOKENS is off: the portal does not call providers without network access)."
)


def _actor_label(run: ErasureRun) -> str:
    actor = run.progress.get("actor") or {}
    if "system" in actor:
        return f"system:{actor['system']}"
    if "user" in actor:
        return "subject" if actor["user"] == run.subject_id else "staff"
    return ""


def erasure_certificate(run: ErasureRun, *, holds: list[Hold], now: datetime) -> tuple[str, dict]:
    """The final status of ``run`` and its certificate, from the counts in its checkpoint.

    PARTIAL when a legal hold kept anything, else COMPLETED.
    """
    tables = []
    anything_held = False
    tokens_deleted = 0
    for entry in entries():
        plan = table_plan(entry, reference=run.subject_reference, holds=holds, now=now)
        state = run.progress.get("tables", {}).get(entry.label, _new_state())
        row = {
            "table": entry.table,
            "model": entry.label,
            "rows_deleted": state["rows_deleted"],
            "rows_anonymised": state["rows_anonymised"],
            "rows_kept": state["rows_kept"],
            "history_rows_scrubbed": state["history_rows_scrubbed"],
            "kept": plan.kept,
            "held": plan.held,
        }
        if "sessions_deleted" in state:
            row["sessions_deleted"] = state["sessions_deleted"]
        if entry.label == "socialaccount.SocialToken":
            tokens_deleted = state["rows_deleted"]
        touched = state["rows_deleted"] + state["rows_anonymised"] + state["rows_kept"]
        anything_held = anything_held or bool(plan.held and touched)
        tables.append(row)
    notes = []
    if tokens_deleted and not getattr(settings, "SOCIALACCOUNT_REVOKE_TOKENS", False):
        notes.append(TOKEN_NOTE)
    status = ErasureRun.Status.PARTIAL if anything_held else ErasureRun.Status.COMPLETED
    # Nothing here may identify the person: references, counts and the registry's words only.
    certificate = {
        "erasure_reference": str(run.reference),
        "request_reference": run.request_reference,
        "subject_reference": run.subject_reference,
        "status": status,
        "engine_version": ENGINE_VERSION,
        "requested_by": _actor_label(run),
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": now.isoformat(),
        "holds": [h.as_dict() for h in holds],
        "tables": tables,
        "notes": notes,
    }
    # Totals, and per table the count and hashed stored names of the files deleted.
    certificate_files_update(certificate, run.progress)
    return status, certificate
