"""Running an erasure: start it (with its background job, apps/core/jobs/), run its tables
batch by batch with a sign of life after each, finish it with its certificate, or mark it
failed when its job gives up. Leases, attempts and the reconciler are the job machinery's."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.db import DatabaseError, transaction
from django.utils import timezone

from apps.core.actors import SystemActor
from apps.core.jobs import Heartbeat, job_enqueue, job_run_here
from apps.personal_data.domain import subject_reference as make_subject_reference
from apps.personal_data.erasure.batches import (
    FilesPending,
    SubjectFilters,
    _erase_batch,
    _flush_pending_files,
    _frozen_subjects,
    _live_rows,
    _retry_pending_files,
    mark_done,
)
from apps.personal_data.erasure.certificate import erasure_certificate
from apps.personal_data.erasure.checkpoint import ACTIVE, FINISHED, _new_state
from apps.personal_data.erasure.plan import TablePlan, _orphan_history, erasure_plan, table_plan
from apps.personal_data.models import ErasureRun
from apps.personal_data.registry import Hold, entries, holds_for
from apps.personal_data.registry.people import notify_account_closed
from apps.personal_data.registry.probe import Probe, phases_with_rows

if TYPE_CHECKING:
    from apps.accounts.models import User  # the subject; AUTH_USER_MODEL at run time

logger = logging.getLogger(__name__)

# The background job that carries an erasure out (apps/core/jobs/; registered by tasks.py).
ERASURE_JOB = ErasureRun.JOB_KIND
# Crash loops (a run that kills its worker every time) end here: the job's max_attempts.
MAX_ATTEMPTS = 10


def _actor_progress(actor) -> dict:
    if isinstance(actor, SystemActor):
        return {"system": actor.name}
    if actor is None:
        return {}
    return {"user": actor.pk}


@transaction.atomic
def erasure_start(
    *,
    subject: User,
    actor: User | SystemActor | None,
    reason: str,
    request_reference: str = "",
    dry_run: bool = False,
    queue: bool = True,
) -> ErasureRun:
    """Record an erasure of ``subject`` and queue it (a dry run only records the plan).

    ``queue=False`` is for callers that carry the erasure out themselves with
    ``erasure_carry_out_here`` (the retention purge, a request's execution); its job is
    written all the same, so the reconciler sends it to a worker if that caller dies.
    """
    if not dry_run:
        # One erasure of a subject at a time; asking again returns the one under way. The
        # lock on the subject's row makes a concurrent request wait and then see this one.
        get_user_model()._base_manager.select_for_update().filter(pk=subject.pk).first()
        active = ErasureRun.objects.filter(subject_id=subject.pk, status__in=ACTIVE, dry_run=False).first()
        if active is not None:
            return active
    run = ErasureRun(
        subject_id=subject.pk,
        subject_reference=make_subject_reference(subject),
        request_reference=request_reference,
        requested_by=actor if isinstance(actor, get_user_model()) else None,
        reason=reason,
        dry_run=dry_run,
        progress={"actor": _actor_progress(actor)},
    )
    run.full_clean()
    if dry_run:
        now = timezone.now()
        run.status = ErasureRun.Status.COMPLETED
        run.started_at = run.finished_at = now
        run.certificate = {"dry_run": True, "plan": erasure_plan(subject=subject)}
        run.save()
        return run
    run.save()
    job_enqueue(kind=ERASURE_JOB, target=run.pk, dispatch=queue)
    return run


def erasure_carry_out_here(run: ErasureRun) -> ErasureRun:
    """Carry ``run`` out in this process now, through its job (so a worker already at it is
    left to finish, and attempts are counted); returns the run as it then stands."""
    job_run_here(kind=ERASURE_JOB, target=run.pk)
    return ErasureRun.objects.get(pk=run.pk)


def erasure_run(*, erasure_id: int, heartbeat: Heartbeat | None = None) -> ErasureRun | None:
    """Carry out (or resume) one erasure: its job's work. Safe to call any number of times."""
    begun = _erasure_begin(erasure_id)
    if begun is None:
        return None
    run = begun.run
    if run.status in FINISHED and run.progress.get("pending_files"):
        return _retry_pending_files(run.pk)
    if run.status in FINISHED:
        return run
    try:
        user, subjects, holds, frozen = begun.user, begun.subjects, begun.holds, begun.frozen
        assert subjects is not None, "a run under way has its subject"
        _flush_pending_files(run.pk)
        batch_size = max(1, int(getattr(settings, "PERSONAL_DATA_ERASURE_BATCH_SIZE", 2000)))
        now = timezone.now()
        plans = [table_plan(entry, reference=run.subject_reference, holds=holds, now=now) for entry in entries()]
        # Which tables hold anything of the subject: one statement for the whole registry.
        found = phases_with_rows([p for plan in plans for p in _probes(plan, user, subjects)], user)
        found |= {(label, "live") for label, keys in frozen.items() if keys}
        untouched: list[tuple[str, str]] = []
        for plan in plans:
            entry = plan.entry
            if entry.label == "socialaccount.SocialToken" and plan.mode == "delete":
                revoke_social_tokens(user)
            for phase in ("live", "history") if entry.history_model is not None else ("live",):
                if (entry.label, phase) not in found:
                    untouched.append((entry.label, phase))
                    continue
                live = _live_rows(entry, user, frozen, subjects)
                orphans = _orphan_history(entry, user) if phase == "history" else None
                sizes = _batch_sizes(batch_size)
                size = next(sizes)
                while True:
                    started = time.monotonic()
                    more = _erase_batch(
                        run_pk=run.pk, plan=plan, user=user, batch_size=size, phase=phase, live=live, orphans=orphans
                    )
                    if not more:
                        break
                    _alive(heartbeat)
                    size = sizes.send(time.monotonic() - started)
        pending = _flush_pending_files(run.pk)  # normally done after each batch's commit already
        if pending:
            mark_done(run.pk, untouched)
            # Finished only when every file is gone: the job is tried again later (RetryLater).
            raise FilesPending(f"{len(pending)} file(s) of erased rows could not be deleted yet")
        return _erasure_finish(run.pk, holds=holds, untouched=untouched)
    except Exception as exc:
        _record_error(run.pk, exc)
        raise


def _probes(plan: TablePlan, user, subjects: SubjectFilters) -> list[Probe]:
    """The questions whose answers say which phases of ``plan``'s table to go through (rows
    a frozen selection kept are not asked about: the run knows them)."""
    entry = plan.entry

    def live(someone):
        return entry.model._base_manager.filter(subjects.of(entry) if someone is user else entry.subject_q(someone))

    probes = [Probe(entry.label, "live", live, by_key=entry.subject_by_key)]
    if entry.history_model is not None and plan.mode != "keep":
        probes.append(
            Probe(entry.label, "history", lambda someone: _orphan_history(entry, someone), by_key=entry.subject_by_key)
        )
    return probes


def _batch_sizes(first: int) -> Generator[int, float, None]:
    """Rows per batch of one table: ``first``, then as many as the rate measured on the
    previous batch says fit in half of PERSONAL_DATA_ERASURE_BATCH_SECONDS, between
    ``first`` and PERSONAL_DATA_ERASURE_BATCH_MAX.

    Each batch is one transaction with its own commit and checkpoint, which a large table pays
    for fifty times over at a fixed size; a time budget keeps the transactions (and the locks
    they hold) as short as intended while a cheap table goes through in a few of them. Sized
    from the measured rate, a cheap table reaches the largest batch at once (a customer's
    100 000 calls in three batches rather than six doublings), and a batch that took longer
    than the budget makes the next one smaller.
    """
    most = max(first, int(getattr(settings, "PERSONAL_DATA_ERASURE_BATCH_MAX", 0) or 0))
    budget = float(getattr(settings, "PERSONAL_DATA_ERASURE_BATCH_SECONDS", 0.1))
    size = first
    while True:
        took = yield size
        size = max(first, min(most, int(size * (budget / 2) / max(took, 1e-6))))


def _alive(heartbeat: Heartbeat | None) -> None:
    if heartbeat is not None:
        heartbeat.beat()


@dataclass
class Begun:
    run: ErasureRun
    user: Any = None
    subjects: SubjectFilters | None = None
    holds: list[Hold] = field(default_factory=list)
    frozen: dict[str, list] = field(default_factory=dict)


def _erasure_begin(erasure_id: int) -> Begun | None:
    """The run, marked RUNNING (its job counts the attempts and holds the lease), the account
    closed, the run's holds and frozen selections recorded: one transaction. A finished run
    is returned as it is."""
    try:
        with transaction.atomic():
            run = ErasureRun.objects.select_for_update().filter(pk=erasure_id).first()
            if run is None:
                logger.warning("Erasure %s does not exist (a stale message); nothing to do.", erasure_id)
                return None
            if run.status in FINISHED:
                return Begun(run)
            run.status = ErasureRun.Status.RUNNING
            run.started_at = run.started_at or timezone.now()
            _close_account(run)
            people = get_user_model()
            user = people._base_manager.filter(pk=run.subject_id).first() or people(pk=run.subject_id)
            subjects = SubjectFilters(user)
            holds = _run_holds(run, user)
            _frozen_subjects(run, user, subjects)
            run.save(update_fields=["status", "started_at", "progress", "updated_at"])
            return Begun(run, user=user, subjects=subjects, holds=holds, frozen=run.progress["frozen"])
    except Exception as exc:
        _record_error(erasure_id, exc)
        raise


def _close_account(run: ErasureRun) -> None:
    """Stop the account being used while it is erased: no sign-in, and signed out everywhere.

    Rows the subject could create meanwhile (logins, sessions, exports) would otherwise be
    added behind the engine, after their table was done. Done once per run, in a savepoint
    of the run's first transaction: a failure is logged and retried on the next attempt,
    not fatal (the account is closed with the user row at the end in any case).
    """
    from allauth.usersessions.models import UserSession

    if run.progress.get("account_closed"):
        return
    try:
        with transaction.atomic():
            accounts = get_user_model()._base_manager.filter(pk=run.subject_id)
            was_active = accounts.filter(is_active=True).exists()
            accounts.update(is_active=False, password=make_password(None))
            # In the same savepoint: what listeners write (consent.changed) goes with the closure.
            notify_account_closed(run.subject_id, was_active=was_active, erasure=str(run.reference))
            keys = UserSession.objects.filter(user_id=run.subject_id).values("session_key")
            sessions = Session.objects.filter(session_key__in=keys)
            closed = sessions._raw_delete(sessions.db)
    except DatabaseError:
        logger.warning("Erasure %s could not close the account first; it goes on.", run.pk, exc_info=True)
        return
    # Counted with the table whose rows name the sessions, as if deleted with them.
    state = run.progress.setdefault("tables", {}).setdefault("usersessions.UserSession", _new_state())
    state["sessions_deleted"] = state.get("sessions_deleted", 0) + closed
    run.progress["account_closed"] = True


def _run_holds(run: ErasureRun, user) -> list[Hold]:
    """The holds of this run: those seen on any attempt (a resumed run never keeps less)."""
    stored = [Hold.from_dict(h) for h in run.progress.get("holds", [])]
    current = [] if user._state.adding else holds_for(user)  # no provider is asked about a missing row
    known = {(h.reference, h.reason, None if h.categories is None else frozenset(h.categories)) for h in stored}
    for hold in current:
        key = (hold.reference, hold.reason, None if hold.categories is None else frozenset(hold.categories))
        if key not in known:
            stored.append(hold)
            known.add(key)
    run.progress["holds"] = [h.as_dict() for h in stored]
    return stored


@transaction.atomic
def _erasure_finish(run_pk: int, *, holds: list[Hold], untouched: list[tuple[str, str]]) -> ErasureRun:
    """The certificate, written with the tables that had nothing to erase marked done."""
    run = ErasureRun.objects.select_for_update().get(pk=run_pk)
    if run.status in FINISHED:
        return run
    tables = run.progress.setdefault("tables", {})
    for label, phase in untouched:
        tables.setdefault(label, _new_state())[f"{phase}_done"] = True
    now = timezone.now()
    run.status, run.certificate = erasure_certificate(run, holds=holds, now=now)
    run.finished_at = now
    run.last_error = ""
    run.save()
    return run


def _record_error(run_pk: int, exc: BaseException) -> None:
    try:
        ErasureRun.objects.filter(pk=run_pk).update(
            last_error=f"{type(exc).__name__}: {exc}"[:4000], updated_at=timezone.now()
        )
    except Exception:  # the database itself may be what failed
        logger.exception("Could not record the error of erasure %s", run_pk)


@transaction.atomic
def erasure_mark_failed(*, erasure_id: int, error: str) -> ErasureRun | None:
    """Its job gave up (attempts used up, or a permanent error): officers see the error."""
    run = ErasureRun.objects.select_for_update().filter(pk=erasure_id).first()
    if run is None or run.status in (ErasureRun.Status.COMPLETED, ErasureRun.Status.PARTIAL):
        return run
    run.status = ErasureRun.Status.FAILED
    run.finished_at = timezone.now()
    run.last_error = error[:4000]
    run.save(update_fields=["status", "finished_at", "last_error", "updated_at"])
    return run


def revoke_social_tokens(user) -> int:
    """Ask Google to revoke the subject's tokens, only where SOCIALACCOUNT_REVOKE_TOKENS is on.

    Best effort and off by default: the portal's machines have no network, and a failed
    revocation must not stop the erasure (the tokens are deleted here either way).
    """
    if not getattr(settings, "SOCIALACCOUNT_REVOKE_TOKENS", False) or not user.pk:
        return 0
    import requests
    from allauth.socialaccount.models import SocialToken

    revoked = 0
    for token in SocialToken.objects.filter(account__user=user, account__provider="google"):
        try:
            response = requests.post(
                "https://oauth2.googleapis.com/revoke",
                data={"token": token.token_secret or token.token},
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                timeout=10,
            )
            revoked += response.status_code == 200
        except requests.RequestException:
            logger.warning("Could not revoke a Google token of an erased subject.")
    return revoked
