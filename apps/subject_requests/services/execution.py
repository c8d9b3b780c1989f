"""The reconciler of lost executions, a periodic job with two doors (DESIGN.md): a beat entry in
config/celery.py (tasks.requeue_stuck_task, every 10 minutes) and ``manage.py
reconcile_subject_requests --dry-run``.

Requests the worker owes work on whose task is lost (a broker restart, a killed worker;
which ones: selectors/execution.py) are queued again, so nothing is lost. The engine that
carries them out is execution/.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.subject_requests.domain import GAVE_UP
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.selectors.execution import STUCK_AFTER, is_stuck, stuck_requests
from apps.subject_requests.services.requests import queue_execution, subject_request_note

logger = logging.getLogger(__name__)

# Re-queued this many times without finishing: the reconciler stops and tells the officers
# (a request that kills its worker every time must not loop for ever).
MAX_REQUEUES = 5


def subject_requests_requeue_stuck(
    *, older_than: timedelta = STUCK_AFTER, dry_run: bool = False, max_requeues: int = MAX_REQUEUES
) -> list[SubjectRequest]:
    """Queue execution again for each stuck request (every 10 minutes by beat).

    Safe to over-queue: execution is idempotent and resumes the export or erasure it had
    started. After ``max_requeues`` the request is marked gave_up with a note for officers.
    """
    stuck = stuck_requests(older_than=older_than)
    if dry_run:
        return stuck
    done = []
    for candidate in stuck:
        with transaction.atomic():
            request = SubjectRequest.objects.select_for_update().get(pk=candidate.pk)
            if not is_stuck(request, now=timezone.now(), older_than=older_than):
                continue  # finished or picked up meanwhile
            record = dict(request.execution or {})
            requeues = int(record.get("requeues", 0))
            if requeues >= max_requeues:
                record.update(state=GAVE_UP, finished_at=timezone.now().isoformat())
                SubjectRequest.objects.filter(pk=request.pk).update(execution=record)
                subject_request_note(
                    request=request,
                    actor=None,
                    body=(
                        f"The worker did not finish this request after {requeues + 1} tries "
                        f"(last error: {record.get('error') or 'none recorded'}). Queue it again or handle it by hand."
                    ),
                )
                logger.error("Subject request %s: gave up after %s re-queues.", request.reference, requeues)
                continue
            record.update(requeues=requeues + 1, requeued_at=timezone.now().isoformat())
            SubjectRequest.objects.filter(pk=request.pk).update(execution=record)
            transaction.on_commit(lambda pk=request.pk: queue_execution(pk))
            request.execution = record
            done.append(request)
    return done
