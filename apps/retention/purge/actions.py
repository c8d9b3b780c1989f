"""Carrying out each kind of retention rule, batch by batch, checkpointed in the run."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.core.actors import SystemActor
from apps.core.mail import send_templated_mail
from apps.personal_data.erasure.batches import apply_batch, delete_stored_files
from apps.personal_data.erasure.plan import TablePlan
from apps.personal_data.erasure.run import erasure_carry_out_here, erasure_start
from apps.personal_data.models import ErasureRun
from apps.retention.domain import anonymise_plan, rule_entry
from apps.retention.models import AccountDeletion, InactivityNotice, PurgeRun, RetentionRule
from apps.retention.purge.checkpoint import Claim, checkpoint, keyset_batches
from apps.retention.purge.scope import (
    closed_accounts_due,
    deletions_due,
    erasures_released,
    fully_held,
    inactive_accounts,
    purge_due,
    retention_scope,
    rows_due,
    warning_due,
)

if TYPE_CHECKING:
    from apps.retention.purge.scope import InactiveUser

logger = logging.getLogger(__name__)


def purge_rows(claim: Claim, rule: RetentionRule) -> None:
    entry = rule_entry(rule.target)
    assert entry is not None
    due, held = rows_due(rule, claim.as_of)
    if "held_back" not in claim.progress.get(rule.code, {}):
        checkpoint(claim, rule.code, held_back=held.count())
    anonymise = rule.action == RetentionRule.Action.ANONYMISE
    plan = anonymise_plan(entry) if anonymise else TablePlan(entry, "delete")
    scope = retention_scope(rule)
    related = []
    for rows in scope.related:
        child = rule_entry(rows.target)
        assert child is not None, rows.target
        related.append((rows, anonymise_plan(child) if anonymise else TablePlan(child, "delete")))
    for keys in keyset_batches(due, claim, rule.code):
        with transaction.atomic():
            # The batch as a key range of the due rows, not an IN list of thousands of keys.
            batch = due.filter(pk__gte=keys[0], pk__lte=keys[-1])
            # Their related rows first: they are found through the batch's rows as they are now.
            files, related_rows = [], 0
            for rows, child_plan in related:
                children = child_plan.entry.model._base_manager.filter(**{f"{rows.link}__in": batch.values("pk")})
                done = apply_batch(child_plan, children, updates=rows.updates)
                files += done.files
                related_rows += done.rows
            # The erasure engine's batch applier: history first, no signals, files collected.
            applied = apply_batch(plan, batch, updates=scope.updates, history_updates=scope.history_updates)
            files += applied.files
            key = "deleted" if plan.mode == "delete" else "anonymised"
            add = {key: applied.rows, **({"related_rows": related_rows} if related else {})}
            # The files are listed as pending with the batch, and cleared once deleted (after
            # commit): a file storage could not delete is tried again, as erasure's are.
            pending = [*claim.progress.get(rule.code, {}).get("pending_files", []), *files]
            checkpoint(claim, rule.code, add=add, after=keys[-1], pending_files=pending)
            if files:
                transaction.on_commit(partial(delete_pending_files, claim, rule.code, files))


@transaction.atomic
def _forget_deleted(claim: Claim, code: str, deleted: list[dict]) -> None:
    # Not a checkpoint: whoever holds the run now, these files are gone (and counted once).
    run = PurgeRun.objects.select_for_update().get(pk=claim.run_pk)
    state = run.progress.setdefault(code, {})
    pending = state.get("pending_files", [])
    state["files_deleted"] = int(state.get("files_deleted", 0)) + len([f for f in pending if f in deleted])
    state["pending_files"] = [f for f in pending if f not in deleted]
    run.save(update_fields=["progress", "updated_at"])
    claim.progress = run.progress


def delete_pending_files(claim: Claim, code: str, files: list[dict]) -> list[dict]:
    """Delete files of purged rows; those deleted leave the rule's pending list. Returns those left."""
    deleted = delete_stored_files(files)
    if len(deleted) < len(files):
        logger.warning("Purge rule %s could not delete %s file(s); they stay pending.", code, len(files) - len(deleted))
    if deleted:
        _forget_deleted(claim, code, deleted)
    return [f for f in files if f not in deleted]


def files_still_pending(claim: Claim) -> int:
    """Try again every file a rule of this run could not delete yet; how many are still left."""
    left = 0
    for code, state in list(claim.progress.items()):
        pending = list(state.get("pending_files", []))
        if pending:
            left += len(delete_pending_files(claim, code, pending))
    return left


def purge_closed_accounts(claim: Claim, rule: RetentionRule) -> None:
    """P-41: the records kept at closure for legal, tax or dispute reasons are anonymised.

    The account row stays (legal holds, deletions and erasure runs point at it) but loses
    the dates and the pseudonymous address kept at erasure; its history goes.
    """
    due, held = closed_accounts_due(rule, claim.as_of)
    if "held_back" not in claim.progress.get(rule.code, {}):
        checkpoint(claim, rule.code, held_back=held.count())
    history = User.history.model._base_manager
    for keys in keyset_batches(due, claim, rule.code):
        with transaction.atomic():
            batch = due.filter(pk__gte=keys[0], pk__lte=keys[-1])
            scrubbed = history.filter(id__in=batch.values("pk"))
            scrubbed._raw_delete(scrubbed.db)
            done = batch.update(
                email=Concat(models.Value("anonymised-"), Cast("pk", models.CharField()), models.Value("@invalid")),
                email_hash="",  # update() skips User.save(), which keeps the hash in step
                date_joined=models.F("closed_at"),
            )
            checkpoint(claim, rule.code, add={"anonymised": done}, after=keys[-1])


def _erase_account(claim: Claim, rule: RetentionRule, user: User, *, reason: str, reference: str = "") -> ErasureRun:
    actor = SystemActor(f"retention:{rule.code}")
    run = erasure_start(subject=user, actor=actor, reason=reason, request_reference=reference, queue=False)
    # Not sent to another worker: this one erases now, so the run's counts are real. If it
    # dies, the erasure's own job is sent on by the reconciler and resumes from its checkpoint.
    finished = erasure_carry_out_here(run)
    checkpoint(claim, rule.code, add={"erasures": 1})
    return finished


def purge_account_deletions(claim: Claim, rule: RetentionRule) -> None:
    """Accounts whose deletion grace period has ended (P-32), and erasures a released hold unblocks."""
    from apps.retention.services.deletion import account_deletion_finish, greeting_name

    for deletion in deletions_due(claim.as_of):
        with transaction.atomic():
            locked = AccountDeletion.objects.select_for_update().get(pk=deletion.pk)
            if locked.status == AccountDeletion.Status.SCHEDULED:
                locked.status = AccountDeletion.Status.ERASING
                locked.save(update_fields=["status", "updated_at"])
            elif locked.status != AccountDeletion.Status.ERASING:
                continue  # cancelled by a sign-in a moment ago
        if deletion.subject is None:
            # The account row itself is gone (erasure keeps it, so only a manual delete does
            # this): nothing is left to erase, and the deletion must not come back every day.
            AccountDeletion.objects.filter(pk=deletion.pk).update(
                status=AccountDeletion.Status.DONE, finished_at=timezone.now()
            )
            continue
        # A run killed after the erasure finished but before the deletion was marked done
        # finds that erasure here rather than erasing the account a second time.
        run = (
            ErasureRun.objects.filter(request_reference=str(deletion.reference), dry_run=False)
            .exclude(status=ErasureRun.Status.FAILED)
            .order_by("-pk")
            .first()
        )
        # The name the last email greets them by, read while the account still holds it (a run
        # resumed after the erasure finds none, and that email just says "Hello,").
        name = greeting_name(deletion.subject)
        if run is None or run.status not in (ErasureRun.Status.COMPLETED, ErasureRun.Status.PARTIAL):
            reason = "Account deletion at the customer's request"
            run = _erase_account(claim, rule, deletion.subject, reason=reason, reference=str(deletion.reference))
        account_deletion_finish(deletion_id=deletion.pk, erasure=run, name=name)
    for earlier in erasures_released():
        user = User._base_manager.filter(pk=earlier.subject_id).first()
        if user is not None:
            reason = f"Completes erasure {earlier.reference}: its legal holds were released"
            _erase_account(claim, rule, user, reason=reason, reference=earlier.request_reference)


def purge_inactive_accounts(claim: Claim, rule: RetentionRule) -> None:
    """P-40: warn inactive accounts ahead of time, then erase those warned whose day has come."""
    now = claim.as_of
    within = timedelta(days=max(rule.warnings(), default=0))
    candidates = inactive_accounts(rule, now, within=within).order_by("pk")
    for keys in keyset_batches(candidates, claim, rule.code):
        users = list(candidates.filter(pk__in=keys))
        held = fully_held(keys, rule.category)
        for user in users:
            if user.pk in held:
                if purge_due(rule, user, now):
                    checkpoint(claim, rule.code, add={"held_back": 1})
                continue
            if purge_due(rule, user, now):
                _erase_account(claim, rule, user, reason="Account inactive beyond the retention period (P-40)")
                continue
            due = warning_due(rule, user, now)
            if due is not None:
                _warn(claim, rule, user, *due)
        checkpoint(claim, rule.code, after=keys[-1])


def _warn(claim: Claim, rule: RetentionRule, user: InactiveUser, days: int, purge_on: datetime) -> None:
    """Email the warning, then record it. A warning that could not be sent is not recorded, so
    the account is not erased on the strength of it and the next run tries again; the rare
    cost is a second email if the run dies between the two."""
    if InactivityNotice.objects.filter(
        subject=user, rule=rule, days_before=days, inactive_since=user.inactive_since
    ).exists():
        return
    context = {
        "user": user,
        "purge_on": purge_on,
        "days": days,
        "url": settings.SITE_URL.rstrip("/") + reverse("account_login"),
    }
    try:
        send_templated_mail(
            "retention/email/inactivity_warning",
            context,
            to=user.email,
            language=user.preferred_language,
            time_zone=user.local_time_zone,
        )
    except Exception:
        logger.exception("could not email an inactivity warning; it is tried again on the next run")
        checkpoint(claim, rule.code, add={"warnings_failed": 1})
        return
    with transaction.atomic():
        InactivityNotice.objects.get_or_create(
            subject=user,
            rule=rule,
            days_before=days,
            inactive_since=user.inactive_since,
            defaults={"purge_on": purge_on, "sent_at": timezone.now()},
        )
        checkpoint(claim, rule.code, add={"warned": 1})
