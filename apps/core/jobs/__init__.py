"""One job machinery for every piece of background work (erasures, exports, purge runs,
mailings, request executions…).

The life of a job, and who moves it on:

    job_enqueue ──► QUEUED ──(a worker's job_run claims it: lease + attempt)──► RUNNING
                      ▲                                                      │
                      └──── error: released, sent again (task retry or ──────┤
                            reconciler); lease ran out: taken over           │
                                                                             ▼
                               FAILED ◄── attempts used up ─── ... ───►    DONE

* ``kinds``: what each kind of job runs (registered by its app in ``AppConfig.ready``).
* ``run``: enqueue (the outbox: the job row is written in the caller's transaction and sent
  to the broker after commit), claim, heartbeat, finish, give up.
* ``reconcile``: the one reconciler (beat every minute, ``manage.py reconcile``): sends again
  what was never sent, lost its message, or lost its worker.
"""

from apps.core.jobs.kinds import JobKind, job_kind, job_kinds, register_job_kind
from apps.core.jobs.reconcile import Reconciled, jobs_reconcile
from apps.core.jobs.run import (
    Claimed,
    Heartbeat,
    JobLost,
    PermanentJobError,
    RetryLater,
    job_claim,
    job_dispatch,
    job_enqueue,
    job_execute,
    job_live,
    job_run,
    job_run_here,
)

__all__ = [
    "Claimed",
    "Heartbeat",
    "JobKind",
    "JobLost",
    "PermanentJobError",
    "Reconciled",
    "RetryLater",
    "job_claim",
    "job_dispatch",
    "job_enqueue",
    "job_execute",
    "job_kind",
    "job_kinds",
    "job_live",
    "job_run",
    "job_run_here",
    "jobs_reconcile",
    "register_job_kind",
]
