"""Starting a purge run, and checkpointing it, so runs never overlap and a dead one resumes.

A run is a background job (apps/core/jobs/, kind ``retention.purge``): whoever carries it out
holds the job's lease, and every batch's transaction checks it still does (Heartbeat.hold)
before it commits its checkpoint. Starting a run takes the single ``RetentionLock`` row
first, so a second beat or a manual run started meanwhile sees the live run and stops; a run
whose lease has lapsed (its worker died) is taken over and resumed from the checkpoint of
its last committed batch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.jobs import Claimed, Heartbeat, job_claim, job_enqueue, job_live
from apps.retention.models import PurgeRun, RetentionLock, RetentionRule

logger = logging.getLogger(__name__)

PURGE_JOB = PurgeRun.JOB_KIND


class PurgeBusy(Exception):
    """Another purge run is live; this one does nothing."""

    def __init__(self, run: PurgeRun) -> None:
        super().__init__(f"purge run {run.reference} is already running")
        self.run = run


def batch_size() -> int:
    return max(1, int(getattr(settings, "RETENTION_PURGE_BATCH_SIZE", 2000)))


@dataclass
class Claim:
    run_pk: int
    heartbeat: Heartbeat
    as_of: datetime
    progress: dict[str, Any] = field(default_factory=dict)
    job: Claimed | None = None  # set when this process claimed the run's job itself


def _lock() -> None:
    RetentionLock.objects.get_or_create(pk=1)
    RetentionLock.objects.select_for_update().get(pk=1)


def purge_start(
    *, triggered_by: str, actor: User | None = None, rule_code: str = "", now: datetime | None = None
) -> Claim:
    """Begin a run here (this process holds its job from the first moment), or take over one
    whose worker died. Raises PurgeBusy if one is live."""
    if rule_code and not RetentionRule.objects.filter(code=rule_code).exists():
        raise ValidationError(_("There is no retention rule with code %(code)s.") % {"code": rule_code})
    with transaction.atomic():
        _lock()
        clock = timezone.now()
        run = PurgeRun.objects.select_for_update().filter(status=PurgeRun.Status.RUNNING).first()
        if run is not None:
            job = job_live(kind=PURGE_JOB, target=run.pk) or job_enqueue(kind=PURGE_JOB, target=run.pk, dispatch=False)
            claimed = job_claim(job_id=job.pk)
            if claimed is None:
                raise PurgeBusy(run)
            logger.warning("Purge run %s lost its worker; resuming it.", run.reference)
        else:
            run = PurgeRun.objects.create(
                triggered_by=triggered_by, actor=actor, only_rule=rule_code, as_of=now or clock, started_at=clock
            )
            job = job_enqueue(kind=PURGE_JOB, target=run.pk, dispatch=False)
            claimed = job_claim(job_id=job.pk)
            assert claimed is not None  # created just now, under the lock
    return Claim(run_pk=run.pk, heartbeat=claimed.heartbeat, as_of=run.as_of, progress=run.progress, job=claimed)


def purge_queue(*, triggered_by: str, actor: User | None = None) -> tuple[PurgeRun, bool]:
    """A run for a worker to carry out (its job is sent after commit); the live run instead,
    and False, when there is one."""
    with transaction.atomic():
        _lock()
        live = PurgeRun.objects.filter(status=PurgeRun.Status.RUNNING).order_by("-started_at").first()
        if live is not None and job_live(kind=PURGE_JOB, target=live.pk) is not None:
            return live, False
        clock = timezone.now()
        run = PurgeRun.objects.create(triggered_by=triggered_by, actor=actor, as_of=clock, started_at=clock)
        job_enqueue(kind=PURGE_JOB, target=run.pk)
        return run, True


@transaction.atomic(durable=True)
def purge_request(*, actor: User) -> PurgeRun | None:
    """The admin's "Run now": queue a run for a worker, started by ``actor``; the live run
    instead, if there is one."""
    run, queued = purge_queue(triggered_by=PurgeRun.Trigger.ADMIN, actor=actor)
    return None if queued else run


def claim_for_job(run_pk: int, heartbeat: Heartbeat) -> Claim:
    """The claim of a run a worker took through its job (the admin's "Run now")."""
    run = PurgeRun.objects.get(pk=run_pk)
    return Claim(run_pk=run.pk, heartbeat=heartbeat, as_of=run.as_of, progress=run.progress)


@transaction.atomic
def checkpoint(claim: Claim, code: str, *, add: dict[str, int] | None = None, error: str = "", **values: Any) -> dict:
    """Lock the run, check this worker still holds it, record progress of rule ``code``.

    Called inside each batch's transaction, so a batch and its checkpoint commit together.
    ``add`` adds to counters, ``error`` appends an error, ``values`` replace keys.
    """
    run = PurgeRun.objects.select_for_update().get(pk=claim.run_pk)
    claim.heartbeat.hold()  # JobLost, and the batch rolls back, if another worker took the run over
    state = run.progress.setdefault(code, {})
    for key, amount in (add or {}).items():
        state[key] = int(state.get(key, 0)) + amount
    if error:
        state.setdefault("errors", []).append(error)
    state.update(values)
    run.save(update_fields=["progress", "updated_at"])
    claim.progress = run.progress
    return state


def keyset_batches(rows: models.QuerySet, claim: Claim, code: str) -> Iterator[list]:
    """Keys of the next batch, resuming after the last key the run committed."""
    while True:
        after = claim.progress.get(code, {}).get("after")
        batch = rows.filter(pk__gt=after) if after is not None else rows
        keys = list(batch.order_by("pk").values_list("pk", flat=True)[: batch_size()])
        if not keys:
            return
        yield keys
