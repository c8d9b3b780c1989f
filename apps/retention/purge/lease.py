"""Claiming a purge run and checkpointing it, so runs never overlap and a dead one resumes.

A run holds a lease on its ``PurgeRun`` row, renewed in every batch's transaction. Starting
a run takes the single ``RetentionLock`` row first, so a second beat or a manual run started
meanwhile sees the live run and stops; a run whose lease has lapsed (its worker died) is
taken over and resumed from the checkpoint written with its last committed batch.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.retention.models import PurgeRun, RetentionLock, RetentionRule

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)


class PurgeBusy(Exception):
    """Another purge run is live; this one does nothing."""

    def __init__(self, run: PurgeRun) -> None:
        super().__init__(f"purge run {run.reference} is already running")
        self.run = run


class LeaseLost(Exception):
    """Another worker took this run over (ours was judged dead); stop without writing."""


def batch_size() -> int:
    return max(1, int(getattr(settings, "RETENTION_PURGE_BATCH_SIZE", 2000)))


@dataclass
class Claim:
    run_pk: int
    owner: str
    as_of: datetime
    progress: dict[str, Any] = field(default_factory=dict)


def _lock() -> None:
    RetentionLock.objects.get_or_create(pk=1)
    RetentionLock.objects.select_for_update().get(pk=1)


def purge_start(
    *, triggered_by: str, actor: User | None = None, rule_code: str = "", now: datetime | None = None
) -> Claim:
    """Begin a run, or take over one whose worker died. Raises PurgeBusy if one is live."""
    if rule_code and not RetentionRule.objects.filter(code=rule_code).exists():
        raise ValidationError(_("There is no retention rule with code %(code)s.") % {"code": rule_code})
    owner = uuid.uuid4().hex
    with transaction.atomic():
        _lock()
        clock = timezone.now()
        running = PurgeRun.objects.select_for_update().filter(status=PurgeRun.Status.RUNNING).first()
        if running is not None and running.lease_expires_at and running.lease_expires_at > clock:
            raise PurgeBusy(running)
        if running is not None:
            logger.warning("Purge run %s lost its worker; resuming it.", running.reference)
            running.attempts += 1
        else:
            running = PurgeRun(
                triggered_by=triggered_by, actor=actor, only_rule=rule_code, as_of=now or clock, started_at=clock
            )
        running.lease_owner = owner
        running.lease_expires_at = clock + LEASE
        running.save()
    return Claim(run_pk=running.pk, owner=owner, as_of=running.as_of, progress=running.progress)


@transaction.atomic
def checkpoint(claim: Claim, code: str, *, add: dict[str, int] | None = None, error: str = "", **values: Any) -> dict:
    """Lock the run, check the lease is still ours, record progress of rule ``code``, renew the lease.

    Called inside each batch's transaction, so a batch and its checkpoint commit together.
    ``add`` adds to counters, ``error`` appends an error, ``values`` replace keys.
    """
    run = PurgeRun.objects.select_for_update().get(pk=claim.run_pk)
    if run.lease_owner != claim.owner:
        raise LeaseLost(str(run.reference))
    state = run.progress.setdefault(code, {})
    for key, amount in (add or {}).items():
        state[key] = int(state.get(key, 0)) + amount
    if error:
        state.setdefault("errors", []).append(error)
    state.update(values)
    run.lease_expires_at = timezone.now() + LEASE
    run.save(update_fields=["progress", "lease_expires_at", "updated_at"])
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
