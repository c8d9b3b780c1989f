"""The run's checkpoint: which statuses end a run, and each table's progress in ``ErasureRun.progress``."""

from __future__ import annotations

from typing import Any

from apps.personal_data.models import ErasureRun

FINISHED = (ErasureRun.Status.COMPLETED, ErasureRun.Status.PARTIAL, ErasureRun.Status.FAILED)
ACTIVE = (ErasureRun.Status.PENDING, ErasureRun.Status.RUNNING)


def _new_state() -> dict:
    return {
        "live_last": None,
        "live_done": False,
        "history_last": None,
        "history_done": False,
        "rows_deleted": 0,
        "rows_anonymised": 0,
        "rows_kept": 0,
        "history_rows_scrubbed": 0,
    }


def _json_pk(pk: Any) -> Any:
    return pk if isinstance(pk, int | str) else str(pk)


def _save_progress(run: ErasureRun) -> None:
    run.save(update_fields=["progress", "updated_at"])
