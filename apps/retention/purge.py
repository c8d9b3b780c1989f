"""The purge: every enabled retention rule carried out, in batches, resumably, once at a time.

Two doors (DESIGN.md): the daily beat task and ``manage.py purge [--dry-run] [--rule CODE]``;
the admin's "Run now" queues the same task. A rule is carried out in one of three ways:

- **rows**: set-based ``DELETE`` / ``UPDATE`` of one registered table in keyset batches, one
  short transaction per batch with the matching simple-history rows scrubbed in it;
- **accounts**: each due account goes through the personal-data erasure engine (inactive
  accounts after their warnings, accounts whose deletion grace period has ended);
- **closed accounts**: what erasure kept under a legal basis is anonymised when that basis
  runs out (P-41).

Concurrency: a run holds a lease on its ``PurgeRun`` row, renewed in every batch's
transaction. Starting a run takes the single ``RetentionLock`` row first, so a second beat or a
manual run started meanwhile sees the live run and stops; a run whose lease has lapsed (its
worker died) is taken over and resumed from the checkpoint written with its last batch.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Cast, Coalesce, Concat, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.actors import SystemActor
from apps.core.mail import send_templated_mail
from apps.personal_data.erasure import TablePlan, erasure_run, erasure_start, table_plan
from apps.personal_data.models import ErasureRun
from apps.personal_data.pseudonyms import subject_reference
from apps.personal_data.registry import Entry, entries
from apps.retention.models import AccountDeletion, InactivityNotice, LegalHold, PurgeRun, RetentionLock, RetentionRule

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
ACCOUNTS = "accounts.User"


class PurgeBusy(Exception):
    """Another purge run is live; this one does nothing."""

    def __init__(self, run: PurgeRun) -> None:
        super().__init__(f"purge run {run.reference} is already running")
        self.run = run


class LeaseLost(Exception):
    """Another worker took this run over (ours was judged dead); stop without writing."""


def batch_size() -> int:
    return max(1, int(getattr(settings, "RETENTION_PURGE_BATCH_SIZE", 2000)))


# --- What a rule is, and whether it can be carried out ------------------------------------------


def _entry(label: str) -> Entry | None:
    return next((e for e in entries() if e.label == label), None)


def kind_of(rule: RetentionRule) -> str:
    """How a rule is carried out: "inactive_accounts", "account_deletions", "closed_accounts" or "rows"."""
    if rule.trigger == RetentionRule.Trigger.ACCOUNT_INACTIVE:
        return "inactive_accounts"
    if rule.trigger == RetentionRule.Trigger.ACCOUNT_CLOSED and rule.target == ACCOUNTS:
        return "account_deletions" if rule.action == RetentionRule.Action.DELETE else "closed_accounts"
    return "rows"


def _age_field(rule: RetentionRule) -> str:
    return rule.age_field or ("closed_at" if rule.trigger == RetentionRule.Trigger.REQUEST_CLOSED else "")


def validate_rule(rule: RetentionRule) -> None:
    """Refuse a rule the purge could not carry out (called by the model's clean())."""
    entry = _entry(rule.target)
    if entry is None:
        raise ValidationError({"target": _("Choose a model from the personal-data registry.")})
    if rule.trigger == RetentionRule.Trigger.ACCOUNT_INACTIVE:
        if rule.target != ACCOUNTS or rule.action != RetentionRule.Action.DELETE:
            raise ValidationError(_("An inactivity rule deletes accounts: target accounts.User, action delete."))
        return
    if rule.warning_days.strip():
        raise ValidationError({"warning_days": _("Only inactivity rules send warnings.")})
    if kind_of(rule) != "rows":
        return
    if rule.trigger in (RetentionRule.Trigger.RECORD_AGE, RetentionRule.Trigger.REQUEST_CLOSED):
        path = _age_field(rule)
        if not path or not _is_date_path(entry.model, path):
            raise ValidationError({"age_field": _("Name a date field of this model (an ORM path).")})
    elif not _subject_path(entry) and not _has_reference(entry):
        raise ValidationError({"target": _("This data cannot be tied to closed accounts.")})
    if rule.action == RetentionRule.Action.ANONYMISE and _anonymise_plan(entry).mode != "anonymise":
        raise ValidationError({"action": _("This data can only be deleted.")})


def _is_date_path(model: type[models.Model], path: str) -> bool:
    *hops, last = path.split("__")
    try:
        for hop in hops:
            model = model._meta.get_field(hop).related_model
            if model is None:
                return False
        return isinstance(model._meta.get_field(last), models.DateField)
    except FieldDoesNotExist:
        return False


def _subject_path(entry: Entry) -> str:
    return entry.subject if isinstance(entry.subject, str) else ""


def _has_reference(entry: Entry) -> bool:
    return any(f.name == "subject_reference" for f in entry.model._meta.concrete_fields)


def _anonymise_plan(entry: Entry) -> TablePlan:
    """The registry's anonymisation of this table, ignoring its KEEP fields' legal basis: a rule
    that anonymises is what ends that basis. (Fields kept by the registry stay kept; a rule
    for them targets their own table.)"""
    return table_plan(entry, reference="", holds=[])


# --- Holds ---------------------------------------------------------------------------------------


def rule_categories(rule: RetentionRule) -> set[str]:
    """The data categories a rule touches: its own, and those of every field it deletes or changes.

    A hold on any of them keeps the subject's data out of the rule, so a hold on "usage"
    keeps login history (login times are usage) although the rule is filed under "technical".
    """
    categories = {str(rule.category)}
    entry = _entry(rule.target)
    if entry is None:
        return categories
    if kind_of(rule) == "closed_accounts":
        touched = {"email", "date_joined"}
    elif kind_of(rule) == "rows" and rule.action == RetentionRule.Action.ANONYMISE:
        # updates is keyed by column attname ("subject_id"); get_field knows both names.
        touched = {entry.model._meta.get_field(name).name for name in _anonymise_plan(entry).updates}
    else:
        touched = {f.name for f in entry.fields}
    return categories | {str(f.category) for f in entry.fields if f.name in touched}


def _held_subjects(categories: set[str]) -> list[User]:
    holds = LegalHold.objects.filter(released_at__isnull=True).select_related("subject")
    return list({h.subject_id: h.subject for h in holds if any(h.covers(c) for c in categories)}.values())


def _held_q(entry: Entry, held: list[User]) -> models.Q | None:
    if not held:
        return None
    parts = [entry.subject_q(user) for user in held]
    if _has_reference(entry):
        parts.append(models.Q(subject_reference__in=[subject_reference(user) for user in held]))
    return reduce(or_, parts)


# --- Which rows and accounts a rule takes now ---------------------------------------------------


def _closed_accounts(cutoff: datetime) -> models.QuerySet:
    return User._base_manager.filter(status=User.Status.CLOSED, closed_at__lt=cutoff, is_active=False)


def rows_due(rule: RetentionRule, now: datetime) -> tuple[models.QuerySet, models.QuerySet]:
    """(rows the rule takes, rows it would take but legal holds keep back) for a "rows" rule."""
    entry = _entry(rule.target)
    assert entry is not None
    rows = entry.model._base_manager.all()
    cutoff = rule.cutoff(now)
    if rule.trigger == RetentionRule.Trigger.ACCOUNT_CLOSED:
        closed = _closed_accounts(cutoff)
        parts = []
        if _subject_path(entry):
            parts.append(models.Q(**{f"{entry.subject}__in": closed.values("pk")}))
        if _has_reference(entry):
            # Erased accounts' rows keep only the pseudonymous reference; the erasure run maps it.
            references = ErasureRun.objects.filter(
                dry_run=False, subject_id__in=closed.values("pk"), status__in=["completed", "partial"]
            ).values("subject_reference")
            parts.append(models.Q(subject_reference__in=references))
        rows = rows.filter(reduce(or_, parts))
    else:
        rows = rows.filter(**{f"{_age_field(rule)}__lt": cutoff})
    if rule.action == RetentionRule.Action.ANONYMISE:
        # Rows already anonymised are not taken again each day.
        done = models.Q()
        for attname, value in _anonymise_plan(entry).updates.items():
            done &= models.Q(**{f"{attname}__isnull": True}) if value is None else models.Q(**{attname: value})
        rows = rows.exclude(done)
    held_q = _held_q(entry, _held_subjects(rule_categories(rule)))
    if held_q is None:
        return rows, rows.none()
    return rows.exclude(held_q), rows.filter(held_q)


def _last_activity() -> Greatest:
    # Any of: joined, signed in, seen (updated once a day by the middleware, P-43).
    return Greatest(
        Coalesce("last_seen_at", "date_joined"), Coalesce("last_login", "date_joined"), models.F("date_joined")
    )


def inactive_accounts(rule: RetentionRule, now: datetime, *, within: timedelta = timedelta(0)) -> models.QuerySet:
    """Customers' accounts whose inactivity reaches the rule's period by ``now + within``."""
    return (
        User._base_manager.filter(status=User.Status.ACTIVE, is_active=True, is_staff=False, is_superuser=False)
        .annotate(inactive_since=_last_activity())
        .filter(inactive_since__lte=rule.cutoff(now) + within)
    )


def _fully_held(user_ids: list[int], category: str) -> set[int]:
    """Accounts under a hold on the whole account (its category, or everything): not erased at all."""
    return {user.pk for user in _held_subjects({category}) if user.pk in set(user_ids)}


def _notices(rule: RetentionRule, user: User) -> list[InactivityNotice]:
    return list(
        InactivityNotice.objects.filter(rule=rule, subject=user, inactive_since=user.inactive_since).order_by(
            "-days_before"
        )
    )


def _warning_due(rule: RetentionRule, user: User, now: datetime) -> tuple[int, datetime] | None:
    """The next warning to send this account now, as (days before, purge date), if any."""
    sent = _notices(rule, user)
    sent_days = {n.days_before for n in sent}
    purge_on = max([n.purge_on for n in sent], default=user.inactive_since + rule.delta)
    for days in rule.warnings():
        if days in sent_days:
            continue
        if now >= purge_on - timedelta(days=days):
            return days, max(purge_on, now + timedelta(days=days))
        return None  # warnings go out in order: the earlier one is not due yet
    return None


def _purge_due(rule: RetentionRule, user: User, now: datetime) -> bool:
    """Due when every warning of this spell of inactivity went out and the last one's date has come."""
    sent = _notices(rule, user)
    if {n.days_before for n in sent} != set(rule.warnings()):
        return False
    purge_on = max([n.purge_on for n in sent], default=user.inactive_since + rule.delta)
    return now >= purge_on


def deletions_due(now: datetime) -> models.QuerySet:
    return AccountDeletion.objects.filter(
        models.Q(status=AccountDeletion.Status.SCHEDULED, erase_after__lte=now)
        | models.Q(status=AccountDeletion.Status.ERASING)
    ).select_related("subject")


def erasures_released() -> list[ErasureRun]:
    """Erasures that kept data back for holds since released: the pending deletion goes ahead.

    One query: partial erasures not superseded by a later erasure of the same subject, whose
    subject has no active hold now.
    """
    later = ErasureRun.objects.filter(subject_id=OuterRef("subject_id"), dry_run=False, pk__gt=OuterRef("pk"))
    held = LegalHold.objects.filter(subject_id=OuterRef("subject_id"), released_at__isnull=True)
    partial = ErasureRun.objects.filter(status=ErasureRun.Status.PARTIAL, dry_run=False)
    return list(partial.exclude(Exists(later)).exclude(Exists(held)).order_by("pk"))


def closed_accounts_due(rule: RetentionRule, now: datetime) -> tuple[models.QuerySet, models.QuerySet]:
    """Closed, erased accounts whose kept records' period has run out (P-41), and those held back."""
    due = _closed_accounts(rule.cutoff(now)).exclude(email__startswith="anonymised-")
    held = [user.pk for user in _held_subjects(rule_categories(rule))]
    return due.exclude(pk__in=held), due.filter(pk__in=held)


# --- The preview (dry run) ---------------------------------------------------------------------


def _rules(rule_code: str = "") -> list[RetentionRule]:
    rules = RetentionRule.objects.filter(enabled=True)
    if rule_code:
        rules = RetentionRule.objects.filter(code=rule_code)
    return list(rules)


def purge_preview(*, rule_code: str = "", now: datetime | None = None) -> list[dict[str, Any]]:
    """Per rule, what a run now would delete, anonymise, erase or warn, and what holds keep back.

    Writes nothing. The admin's preview page and ``purge --dry-run`` show it.
    """
    now = now or timezone.now()
    rows = []
    for rule in _rules(rule_code):
        counts = {"deleted": 0, "anonymised": 0, "erasures": 0, "warned": 0, "held_back": 0}
        kind = kind_of(rule)
        if kind == "rows":
            due, held = rows_due(rule, now)
            key = "deleted" if rule.action == RetentionRule.Action.DELETE else "anonymised"
            counts[key], counts["held_back"] = due.count(), held.count()
        elif kind == "closed_accounts":
            due, held = closed_accounts_due(rule, now)
            counts["anonymised"], counts["held_back"] = due.count(), held.count()
        elif kind == "account_deletions":
            counts["erasures"] = deletions_due(now).count() + len(erasures_released())
        else:
            candidates = list(inactive_accounts(rule, now, within=timedelta(days=max(rule.warnings(), default=0))))
            held = _fully_held([u.pk for u in candidates], rule.category)
            for user in candidates:
                if user.pk in held:
                    counts["held_back"] += _purge_due(rule, user, now)
                elif _purge_due(rule, user, now):
                    counts["erasures"] += 1
                elif _warning_due(rule, user, now):
                    counts["warned"] += 1
        rows.append(
            {
                "rule": rule.code,
                "target": rule.target,
                "action": rule.action,
                "cutoff": rule.cutoff(now).isoformat(),
                "would_delete": counts["deleted"],
                "would_anonymise": counts["anonymised"],
                "would_erase_accounts": counts["erasures"],
                "would_warn": counts["warned"],
                "held_back": counts["held_back"],
            }
        )
    return rows


# --- Starting, claiming and checkpointing a run -----------------------------------------------


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
def _checkpoint(claim: Claim, code: str, *, add: dict[str, int] | None = None, error: str = "", **values: Any) -> dict:
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


def purge_execute(claim: Claim) -> PurgeRun:
    """Carry out every rule of the run (or the one it names), then finish it."""
    run = PurgeRun.objects.get(pk=claim.run_pk)
    for rule in _rules(run.only_rule):
        state = claim.progress.get(rule.code, {})
        if state.get("done"):
            continue
        try:
            {
                "rows": _purge_rows,
                "closed_accounts": _purge_closed_accounts,
                "account_deletions": _purge_account_deletions,
                "inactive_accounts": _purge_inactive_accounts,
            }[kind_of(rule)](claim, rule)
        except LeaseLost:
            raise
        except Exception as exc:  # one rule's failure must not stop the others; it is recorded
            logger.exception("Purge rule %s failed", rule.code)
            message = f"{type(exc).__name__}: {exc}"[:500]
            _checkpoint(claim, rule.code, error=message)
        _checkpoint(claim, rule.code, done=True)
    return _finish(claim)


@transaction.atomic
def _finish(claim: Claim) -> PurgeRun:
    run = PurgeRun.objects.select_for_update().get(pk=claim.run_pk)
    if run.lease_owner != claim.owner:
        raise LeaseLost(str(run.reference))
    run.status = PurgeRun.Status.COMPLETED_WITH_ERRORS if run.errors() else PurgeRun.Status.COMPLETED
    run.finished_at = timezone.now()
    run.lease_owner = ""
    run.lease_expires_at = None
    run.save()
    return run


def purge(
    *, triggered_by: str, actor: User | None = None, rule_code: str = "", now: datetime | None = None
) -> PurgeRun:
    """Start (or resume) a run and carry it out. Raises PurgeBusy when another is live."""
    claim = purge_start(triggered_by=triggered_by, actor=actor, rule_code=rule_code, now=now)
    return purge_execute(claim)


# --- Carrying out each kind of rule -----------------------------------------------------------


def _keyset_batches(rows: models.QuerySet, claim: Claim, code: str) -> Iterator[list]:
    """Keys of the next batch, resuming after the last key the run committed."""
    while True:
        after = claim.progress.get(code, {}).get("after")
        batch = rows.filter(pk__gt=after) if after is not None else rows
        keys = list(batch.order_by("pk").values_list("pk", flat=True)[: batch_size()])
        if not keys:
            return
        yield keys


def _purge_rows(claim: Claim, rule: RetentionRule) -> None:
    entry = _entry(rule.target)
    assert entry is not None
    due, held = rows_due(rule, claim.as_of)
    if "held_back" not in claim.progress.get(rule.code, {}):
        _checkpoint(claim, rule.code, held_back=held.count())
    plan = _anonymise_plan(entry) if rule.action == RetentionRule.Action.ANONYMISE else TablePlan(entry, "delete")
    for keys in _keyset_batches(due, claim, rule.code):
        with transaction.atomic():
            # The batch as a key range of the due rows, not an IN list of thousands of keys.
            batch = due.filter(pk__gte=keys[0], pk__lte=keys[-1])
            files = _files_of(plan, batch)
            done = _apply(plan, batch)
            key = "deleted" if plan.mode == "delete" else "anonymised"
            _checkpoint(claim, rule.code, add={key: done}, after=keys[-1])
            if files:
                transaction.on_commit(lambda f=files: _delete_files(entry, f))


def _files_of(plan: TablePlan, rows: models.QuerySet) -> list[tuple[str, str]]:
    found = []
    for name in plan.file_fields(rows.model):
        for stored in rows.exclude(**{name: ""}).exclude(**{f"{name}__isnull": True}).values_list(name, flat=True):
            found.append((name, stored))
    return found


def _delete_files(entry: Entry, files: list[tuple[str, str]]) -> None:
    for name, stored in files:
        try:
            entry.model._meta.get_field(name).storage.delete(stored)
        except OSError:
            logger.warning("Purge could not delete a file of %s; an orphan file remains.", entry.label)


def _apply(plan: TablePlan, rows: models.QuerySet) -> int:
    """One batch: the history rows first (their selection reads the live rows), then the rows.

    Raw deletes and update(): no signals, so simple-history does not write the data it is
    removing into a new history row (see the erasure engine, which does the same).
    """
    history_model = plan.entry.history_model
    if history_model is not None:
        history = history_model._base_manager.filter(id__in=rows.values("pk"))
        if plan.mode == "delete":
            history._raw_delete(history.db)
        else:
            history.update(**plan.history_updates)
    if plan.mode == "delete":
        return rows._raw_delete(rows.db)
    return rows.update(**plan.updates)


def _purge_closed_accounts(claim: Claim, rule: RetentionRule) -> None:
    """P-41: the records kept at closure for legal, tax or dispute reasons are anonymised.

    The account row stays (legal holds, deletions and erasure runs point at it) but loses
    the dates and the pseudonymous address kept at erasure; its history goes.
    """
    due, held = closed_accounts_due(rule, claim.as_of)
    if "held_back" not in claim.progress.get(rule.code, {}):
        _checkpoint(claim, rule.code, held_back=held.count())
    history = User.history.model._base_manager
    for keys in _keyset_batches(due, claim, rule.code):
        with transaction.atomic():
            batch = due.filter(pk__gte=keys[0], pk__lte=keys[-1])
            scrubbed = history.filter(id__in=batch.values("pk"))
            scrubbed._raw_delete(scrubbed.db)
            done = batch.update(
                email=Concat(models.Value("anonymised-"), Cast("pk", models.CharField()), models.Value("@invalid")),
                date_joined=models.F("closed_at"),
            )
            _checkpoint(claim, rule.code, add={"anonymised": done}, after=keys[-1])


def _erase_account(claim: Claim, rule: RetentionRule, user: User, *, reason: str, reference: str = "") -> ErasureRun:
    actor = SystemActor(f"retention:{rule.code}")
    run = erasure_start(subject=user, actor=actor, reason=reason, request_reference=reference, queue=False)
    # Not queued: this worker erases now, so the run's counts are real. If it dies, the
    # erasure resumes from its own checkpoint (the next purge, or the erasure reconciler).
    finished = erasure_run(erasure_id=run.pk) or run
    _checkpoint(claim, rule.code, add={"erasures": 1})
    return finished


def _purge_account_deletions(claim: Claim, rule: RetentionRule) -> None:
    """Accounts whose deletion grace period has ended (P-32), and erasures a released hold unblocks."""
    from apps.retention.deletion import account_deletion_finish

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
        if run is None or run.status not in (ErasureRun.Status.COMPLETED, ErasureRun.Status.PARTIAL):
            reason = "Account deletion at the customer's request"
            run = _erase_account(claim, rule, deletion.subject, reason=reason, reference=str(deletion.reference))
        account_deletion_finish(deletion_id=deletion.pk, erasure=run)
    for earlier in erasures_released():
        user = User._base_manager.filter(pk=earlier.subject_id).first()
        if user is not None:
            reason = f"Completes erasure {earlier.reference}: its legal holds were released"
            _erase_account(claim, rule, user, reason=reason, reference=earlier.request_reference)


def _purge_inactive_accounts(claim: Claim, rule: RetentionRule) -> None:
    """P-40: warn inactive accounts ahead of time, then erase those warned whose day has come."""
    now = claim.as_of
    within = timedelta(days=max(rule.warnings(), default=0))
    candidates = inactive_accounts(rule, now, within=within).order_by("pk")
    for keys in _keyset_batches(candidates, claim, rule.code):
        users = list(candidates.filter(pk__in=keys))
        held = _fully_held(keys, rule.category)
        for user in users:
            if user.pk in held:
                if _purge_due(rule, user, now):
                    _checkpoint(claim, rule.code, add={"held_back": 1})
                continue
            if _purge_due(rule, user, now):
                _erase_account(claim, rule, user, reason="Account inactive beyond the retention period (P-40)")
                continue
            due = _warning_due(rule, user, now)
            if due is not None:
                _warn(claim, rule, user, *due)
        _checkpoint(claim, rule.code, after=keys[-1])


def _warn(claim: Claim, rule: RetentionRule, user: User, days: int, purge_on: datetime) -> None:
    with transaction.atomic():
        _, created = InactivityNotice.objects.get_or_create(
            subject=user,
            rule=rule,
            days_before=days,
            inactive_since=user.inactive_since,
            defaults={"purge_on": purge_on, "sent_at": timezone.now()},
        )
        if not created:
            return
        _checkpoint(claim, rule.code, add={"warned": 1})
        context = {
            "user": user,
            "purge_on": purge_on,
            "days": days,
            "url": settings.SITE_URL.rstrip("/") + reverse("account_login"),
        }
        transaction.on_commit(lambda: _send_warning(user, context))


def _send_warning(user: User, context: dict) -> None:
    try:
        send_templated_mail(
            "retention/email/inactivity_warning", context, to=user.email, language=user.preferred_language
        )
    except Exception:  # the notice is recorded; the purge date is kept as told
        logger.exception("could not email an inactivity warning")
