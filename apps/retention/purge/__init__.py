"""The purge: every enabled retention rule carried out, in batches, resumably, once at a time.

Two doors: the daily beat task and ``manage.py purge [--dry-run] [--rule CODE]``; the admin's
"Run now" queues a run's job for a worker. A rule is carried out in one of three ways:

- **rows**: set-based ``DELETE`` / ``UPDATE`` of one registered table in keyset batches, one
  short transaction per batch with the matching simple-history rows scrubbed in it;
- **accounts**: each due account goes through the personal-data erasure engine (inactive
  accounts after their warnings, accounts whose deletion grace period has ended);
- **closed accounts**: what erasure kept under a legal basis is anonymised when that basis
  runs out (P-41).

scope.py selects what each rule takes (and the preview), checkpoint.py makes sure one run
works at a time (each run is a background job, apps/core/jobs/) and a dead one resumes,
actions.py carries the rules out. What kind of rule each
is, and which rules can be carried out at all, is decided in ``apps/retention/domain.py``.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.core.jobs import Heartbeat, JobLost, RetryLater, job_execute
from apps.retention.domain import kind_of, validate_rule
from apps.retention.models import PurgeRun
from apps.retention.purge import actions
from apps.retention.purge.checkpoint import (
    PURGE_JOB,
    Claim,
    PurgeBusy,
    batch_size,
    checkpoint,
    claim_for_job,
    purge_start,
)
from apps.retention.purge.scope import (
    closed_accounts_due,
    deletions_due,
    erasures_released,
    inactive_accounts,
    purge_preview,
    rows_due,
    rule_categories,
    rules_to_run,
)

logger = logging.getLogger(__name__)

__all__ = [
    "PURGE_JOB",
    "Claim",
    "PurgeBusy",
    "batch_size",
    "closed_accounts_due",
    "deletions_due",
    "erasures_released",
    "inactive_accounts",
    "kind_of",
    "purge",
    "purge_execute",
    "purge_job_run",
    "purge_mark_failed",
    "purge_preview",
    "purge_start",
    "rows_due",
    "rule_categories",
    "validate_rule",
]

EXECUTORS = {
    "rows": actions.purge_rows,
    "closed_accounts": actions.purge_closed_accounts,
    "account_deletions": actions.purge_account_deletions,
    "inactive_accounts": actions.purge_inactive_accounts,
}


def purge_execute(claim: Claim) -> PurgeRun:
    """Carry out every rule of the run (or the one it names), then finish it."""
    run = PurgeRun.objects.get(pk=claim.run_pk)
    for rule in rules_to_run(run.only_rule):
        state = claim.progress.get(rule.code, {})
        if state.get("done"):
            continue
        try:
            EXECUTORS[kind_of(rule)](claim, rule)
        except JobLost:
            raise
        except Exception as exc:  # one rule's failure must not stop the others; it is recorded
            logger.exception("Purge rule %s failed", rule.code)
            message = f"{type(exc).__name__}: {exc}"[:500]
            checkpoint(claim, rule.code, error=message)
        checkpoint(claim, rule.code, done=True)
    left = actions.files_still_pending(claim)
    if left:
        # Finished only when every file of a purged row is gone: the run's job is tried
        # again later, and resumes here (its rules are done).
        raise RetryLater(f"{left} file(s) of purged rows could not be deleted yet")
    return _finish(claim)


@transaction.atomic
def _finish(claim: Claim) -> PurgeRun:
    run = PurgeRun.objects.select_for_update().get(pk=claim.run_pk)
    claim.heartbeat.hold()
    run.status = PurgeRun.Status.COMPLETED_WITH_ERRORS if run.errors() else PurgeRun.Status.COMPLETED
    run.finished_at = timezone.now()
    run.save()
    return run


def purge(
    *, triggered_by: str, actor: User | None = None, rule_code: str = "", now: datetime | None = None
) -> PurgeRun:
    """Start (or resume) a run and carry it out here. Raises PurgeBusy when another is live."""
    claim = purge_start(triggered_by=triggered_by, actor=actor, rule_code=rule_code, now=now)
    assert claim.job is not None
    job_execute(claim.job)  # the job's run (purge_job_run) with the job's error handling
    return PurgeRun.objects.get(pk=claim.run_pk)


def purge_job_run(target: str, heartbeat: Heartbeat) -> None:
    """A purge run's job: carry the run out (or on, after a dead worker) as the job's holder."""
    purge_execute(claim_for_job(int(target), heartbeat))


@transaction.atomic
def purge_mark_failed(*, run_id: int, error: str) -> PurgeRun | None:
    """Its job gave up: the run shows as failed, with the error, and the next run starts afresh."""
    run = PurgeRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None or run.status != PurgeRun.Status.RUNNING:
        return run
    run.status = PurgeRun.Status.FAILED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at", "updated_at"])  # the error stays on its job
    return run
