"""Enqueue, claim, heartbeat, finish and give up: the life of one job (see the package docstring)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.jobs.kinds import LEASE, JobKind, job_kind
from apps.core.models import Job

logger = logging.getLogger(__name__)

# How often a working job writes its sign of life at most: four beats to a lease, so one
# slow step or a missed write does not cost a live worker its job.
BEAT_EVERY = min(timedelta(seconds=15), LEASE / 4)
# The Celery task every job is sent as (apps/core/tasks.py), named so this module need not
# import the task module that imports it.
RUN_TASK = "apps.core.tasks.run_job_task"
State = Job.State


class JobLost(Exception):
    """Another worker took the job over (this one was judged dead): stop without writing."""


class PermanentJobError(Exception):
    """Trying again cannot help (bad data, a refused input): the job fails at once with this message."""


class RetryLater(Exception):
    """The work is sound but must wait (files a storage could not delete yet): the job is
    released and sent again with backoff, like a database that is briefly away."""


@dataclass
class Heartbeat:
    """Handed to a job's run: ``beat()`` between steps keeps the lease, and raises JobLost
    when the job is no longer this worker's."""

    job_id: int
    owner: str
    kind: JobKind
    _last: datetime = field(default_factory=timezone.now)

    def beat(self, *, force: bool = False) -> None:
        now = timezone.now()
        if not force and now - self._last < min(BEAT_EVERY, self.kind.lease / 4):
            return
        alive = Job.objects.filter(pk=self.job_id, state=State.RUNNING, lease_owner=self.owner).update(
            lease_expires_at=now + self.kind.lease, heartbeat_at=now
        )
        if not alive:
            raise JobLost(f"job {self.job_id} is no longer this worker's")
        self._last = now

    def hold(self) -> None:
        """Inside the caller's transaction: lock the job and check this worker still holds it
        (JobLost otherwise), renewing the lease when due. For work whose steps must never be
        done twice: a step committed after another worker took the job over would be."""
        held = Job.objects.select_for_update().filter(pk=self.job_id, state=State.RUNNING, lease_owner=self.owner)
        if not held.exists():
            raise JobLost(f"job {self.job_id} is no longer this worker's")
        self.beat()


def is_transient(exc: BaseException) -> bool:
    """Errors that go away by themselves: the database or the broker briefly unreachable or
    busy ("database is locked"), or work that asked to wait (RetryLater)."""
    from django.db import InterfaceError, OperationalError
    from kombu.exceptions import OperationalError as BrokerError

    return isinstance(exc, RetryLater | OperationalError | InterfaceError | BrokerError)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:4000]


def job_enqueue(*, kind: str, target: object, dispatch: bool = True) -> Job:
    """Record that ``kind`` of work is owed on ``target``, in the caller's transaction.

    The job row is the outbox: it commits with the work it stands for, and is sent to a
    worker after the commit (``dispatch=False``: the caller runs it itself with job_run).
    If the broker is down then, the job waits and the reconciler sends it later. Asking for
    work already queued or running returns that job.
    """
    spec = job_kind(kind)
    key = str(target)
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(kind=kind, target=key, state__in=Job.LIVE).first()
        if job is None:
            try:
                with transaction.atomic():
                    job = Job.objects.create(kind=kind, target=key, max_attempts=spec.max_attempts)
            except IntegrityError:  # enqueued at the same moment elsewhere: that one it is
                job = Job.objects.get(kind=kind, target=key, state__in=Job.LIVE)
    if dispatch:
        transaction.on_commit(lambda: job_dispatch(job.pk))
    return job


def job_dispatch(job_id: int) -> bool:
    """Send the job to a worker. False when the broker cannot be reached: the job stays
    queued, and the reconciler sends it when the broker is back."""
    from celery import current_app

    try:
        current_app.send_task(
            RUN_TASK,
            args=[job_id],
            # The job row is the only record of how the work went; nobody waits on a Celery
            # result. Asking for one would also subscribe to the result backend before
            # sending, and with Redis down that subscription retries for about 20 seconds.
            ignore_result=True,
            # Fail fast: a customer's page must not wait on a broker that is down.
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.5},
        )
    except Exception:  # any broker or connection error: the outbox keeps the job
        logger.warning("Job %s could not be sent now; the reconciler will send it.", job_id, exc_info=True)
        return False
    Job.objects.filter(pk=job_id).update(dispatched_at=timezone.now())
    return True


@dataclass
class Claimed:
    job: Job
    kind: JobKind
    heartbeat: Heartbeat


def _fail(job: Job, error: str) -> None:
    job.state = State.FAILED
    job.finished_at = timezone.now()
    job.last_error = error[:4000]
    job.lease_owner, job.lease_expires_at = "", None
    job.save(update_fields=["state", "finished_at", "last_error", "lease_owner", "lease_expires_at", "updated_at"])
    kind = job_kind(job.kind)
    if kind.on_give_up is not None:
        kind.on_give_up(job.target, job.last_error)
    logger.error("Job %s (%s %s) failed for good: %s", job.pk, job.kind, job.target, job.last_error)


@transaction.atomic
def job_claim(*, job_id: int) -> Claimed | None:
    """Take the job for this process: an attempt is counted and a lease held. None when there
    is nothing to do (finished, failed, gone) or another worker's lease is still current."""
    job = Job.objects.select_for_update().filter(pk=job_id).first()
    if job is None:
        logger.warning("Job %s does not exist (a stale message); nothing to do.", job_id)
        return None
    if job.state in (State.DONE, State.FAILED):
        return None
    now = timezone.now()
    if job.state == State.RUNNING and job.lease_expires_at and job.lease_expires_at > now:
        return None  # a live worker has it: this is a duplicate delivery
    kind = job_kind(job.kind)
    if job.attempts >= job.max_attempts:
        # A job that kills its worker every time (or keeps failing) stops here.
        _fail(job, f"Gave up after {job.attempts} attempts. Last error: {job.last_error or '(none recorded)'}")
        return None
    if job.state == State.RUNNING:
        logger.warning("Job %s (%s %s) lost its worker; taking it over.", job.pk, job.kind, job.target)
    job.attempts += 1
    job.state = State.RUNNING
    job.lease_owner = uuid.uuid4().hex
    job.lease_expires_at = now + kind.lease
    job.heartbeat_at = now
    job.started_at = job.started_at or now
    job.save()
    return Claimed(job=job, kind=kind, heartbeat=Heartbeat(job_id=job.pk, owner=job.lease_owner, kind=kind))


def _settle(job_id: int, owner: str, *, state: str, error: str = "") -> None:
    """Finish (DONE) or release (QUEUED, to be tried again) a job this worker still holds."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id, lease_owner=owner, state=State.RUNNING).first()
        if job is None:
            return  # taken over meanwhile: the new owner settles it
        job.state = state
        job.lease_owner, job.lease_expires_at = "", None
        job.last_error = error
        fields = ["state", "lease_owner", "lease_expires_at", "last_error", "updated_at"]
        if state == State.DONE:
            job.finished_at = timezone.now()
            fields.append("finished_at")
        elif state == State.QUEUED:
            # The task's own retries (transient database or broker errors, with backoff) send
            # it again; failing those, the reconciler does after the kind's redispatch_after.
            job.dispatched_at = timezone.now()
            fields.append("dispatched_at")
        job.save(update_fields=fields)


def job_live(*, kind: str, target: object) -> Job | None:
    """The queued or running job of ``kind`` on ``target``, if there is one."""
    return Job.objects.filter(kind=kind, target=str(target), state__in=Job.LIVE).first()


def job_run_here(*, kind: str, target: object) -> Job | None:
    """Do owed work in this process now (a command, or an engine that carries another's
    work out inline): the same claim, lease and attempts as a worker's. Returns the job as
    it ends up; if another worker holds it, this returns without doing anything."""
    job = job_live(kind=kind, target=target) or job_enqueue(kind=kind, target=target, dispatch=False)
    return job_run(job_id=job.pk)


def job_run(*, job_id: int) -> Job | None:
    """Claim the job and do its work. Safe to call any number of times, from any process.

    A transient error (is_transient) releases the job and is raised again: the task's
    retries, then the reconciler, send it again, and each claim counts an attempt. Any other
    error fails the job at once (trying again cannot help), unless its kind retries every
    error. A job taken over by another worker (JobLost) is left to that worker.
    """
    claim = job_claim(job_id=job_id)
    if claim is None:
        return Job.objects.filter(pk=job_id).first()
    return job_execute(claim)


def job_execute(claim: Claimed) -> Job | None:
    """Do the work of a claimed job and settle it (see job_run); for callers that claimed it
    themselves, e.g. a purge started by a command that holds the job from its first moment."""
    job, owner = claim.job, claim.heartbeat.owner
    try:
        claim.kind.run(job.target, claim.heartbeat)
    except JobLost:
        logger.warning("Job %s was taken over by another worker; this one stops.", job.pk)
    except Exception as exc:
        if isinstance(exc, PermanentJobError) or not (is_transient(exc) or claim.kind.retry_any_error):
            # Trying again cannot help: fail now, with the error, rather than loop.
            with transaction.atomic():
                locked = Job.objects.select_for_update().filter(pk=job.pk, lease_owner=owner).first()
                if locked is not None:
                    _fail(locked, str(exc) if isinstance(exc, PermanentJobError) else _error_text(exc))
            return Job.objects.filter(pk=job.pk).first()
        _settle(job.pk, owner, state=State.QUEUED, error=_error_text(exc))
        raise
    else:
        _settle(job.pk, owner, state=State.DONE)
    return Job.objects.filter(pk=job.pk).first()
