"""The kinds of background job: what each runs, how long its lease lasts, when it gives up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.functional import Promise

if TYPE_CHECKING:
    from apps.core.jobs.run import Heartbeat

# A worker renews its lease at least every quarter lease (apps/core/jobs/run.py, BEAT_EVERY);
# a job whose lease ran out lost its worker, and the reconciler, running every minute, sends
# it again: a killed worker's job is back in the queue within about two minutes (JOBS_LEASE
# in settings, 60 s; the fault suite shortens it to see a takeover in seconds).
LEASE = timedelta(seconds=settings.JOBS_LEASE_SECONDS)
# A queued job nobody claimed for this long lost its message (a broker restart, a flushed
# queue): it is sent again. Sending twice is harmless: the second claim finds it done or
# leased, and every kind's work resumes from its own checkpoint.
REDISPATCH_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class JobKind:
    name: str  # "<app>.<noun>", e.g. "personal_data.erasure"
    # Does, or resumes, the work for one target (the row's id, as text). Must be safe to
    # call again after a crash at any point; calls heartbeat.beat() between steps.
    run: Callable[[str, Heartbeat], object]
    label: str | Promise = ""
    max_attempts: int = 10
    lease: timedelta = LEASE
    redispatch_after: timedelta = REDISPATCH_AFTER
    # Called, in the transaction that marks the job FAILED, with (target, error): the
    # domain row shows the failure to officers and customers.
    on_give_up: Callable[[str, str], None] | None = None
    # Retry every error up to max_attempts, not only transient ones (database or broker
    # away, RetryLater): for work whose errors an officer would rather see retried.
    retry_any_error: bool = False


_KINDS: dict[str, JobKind] = {}


def register_job_kind(kind: JobKind) -> JobKind:
    """Add a kind (from the owning app's ``AppConfig.ready``); registering a name again replaces it."""
    _KINDS[kind.name] = kind
    return kind


def job_kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"No background job kind {name!r} is registered") from None


def job_kinds() -> list[JobKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.name)
