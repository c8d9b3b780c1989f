"""The admin's "Run now": queue a purge run. The purge itself is the engine in ``apps/retention/purge/``."""

from __future__ import annotations

from django.db import transaction

from apps.accounts.models import User
from apps.retention.models import PurgeRun
from apps.retention.selectors.purge import purge_run_live
from apps.retention.tasks import purge_task


@transaction.atomic(durable=True)
def purge_request(*, actor: User) -> PurgeRun | None:
    """Queue a purge run now, started by ``actor`` in the admin; returns the live run instead if there is one.

    The worker's ``purge`` takes the lock, so a run queued twice still runs once.
    """
    live = purge_run_live()
    if live is not None:
        return live
    purge_task.delay_on_commit(triggered_by=PurgeRun.Trigger.ADMIN, actor_id=actor.pk)
    return None
