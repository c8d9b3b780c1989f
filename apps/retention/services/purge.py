"""The admin's "Run now": a purge run queued for a worker. The purge itself is the engine in
``apps/retention/purge/``; each run is a background job (apps/core/jobs/)."""

from __future__ import annotations

from django.db import transaction

from apps.accounts.models import User
from apps.retention.models import PurgeRun
from apps.retention.purge.checkpoint import purge_queue


@transaction.atomic(durable=True)
def purge_request(*, actor: User) -> PurgeRun | None:
    """Queue a purge run now, started by ``actor`` in the admin; returns the live run instead if there is one."""
    run, queued = purge_queue(triggered_by=PurgeRun.Trigger.ADMIN, actor=actor)
    return None if queued else run
