"""The erasure engine: one subject's personal data, table by table, from the registry.

How it works (DESIGN.md, "The flow of personal data"):

* For each registered table, in ``registry.entries()`` order (rows pointing at other rows
  first), the subject's rows are selected in keyset batches (``pk > last pk``, settings
  ``PERSONAL_DATA_ERASURE_BATCH_SIZE``) and deleted or anonymised with one set-based
  statement per batch. Each batch is one short transaction that also scrubs the matching
  simple-history rows and saves the checkpoint (``ErasureRun.progress``), so a worker
  killed at any point resumes exactly where the last committed batch ended, and the counts
  in the certificate are the same as those of an uninterrupted run.
* Every batch transaction starts by locking the run row and re-reading the checkpoint, so
  two deliveries of the same task (at-least-once delivery, or the stuck-run reconciler)
  never process a batch twice.
* After the live rows, history rows of rows that no longer exist (e.g. a profile the
  subject deleted long ago) are handled the same way.
* Legal holds (apps/personal_data/holds.py) and registered KEEP fields are kept and listed
  in the certificate.

Status: COMPLETED when everything was erased except registered KEEP fields (a standing,
published policy with a legal basis, listed in the certificate); PARTIAL when a legal hold
kept anything (a subject-specific exception an officer must follow up when the hold lifts).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core.exceptions import FieldError
from django.db import DatabaseError, models, transaction
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from apps.accounts.models import User
from apps.core.actors import SystemActor, record_actor
from apps.personal_data.domain import subject_reference as make_subject_reference
from apps.personal_data.holds import Hold, holds_covering, holds_for
from apps.personal_data.models import ErasureRun
from apps.personal_data.registry import Action, Entry, PersonalField, entries

logger = logging.getLogger(__name__)

ENGINE_VERSION = "portal-erasure/1"
# Crash loops (a task that kills its worker every time is redelivered for ever under
# acks_late) end here; Celery's own retries for transient errors stay well below it.
MAX_ATTEMPTS = 10
FINISHED = (ErasureRun.Status.COMPLETED, ErasureRun.Status.PARTIAL, ErasureRun.Status.FAILED)
ACTIVE = (ErasureRun.Status.PENDING, ErasureRun.Status.RUNNING)
TOKEN_NOTE = (
    "Social sign-in tokens were deleted here; revocation at the provider was not attempted "
    "(SOCIALACCOUNT_REVOKE_TOKENS is off: the portal does not call providers without network access)."
)


class NoEmptyValue(ValueError):
    pass


class FilesPending(OSError):
    """Files of erased rows could not be deleted yet: the run stays open and is retried."""


# A run whose last attempt wrote within this window is being worked on: another delivery
# of its task (the reconciler's, or the broker's) is not a new failed attempt.
LIVE_WINDOW = timedelta(minutes=5)
# The reconciler: a RUNNING run idle this long lost its worker; a PENDING one may just be
# waiting in a busy queue, so it gets much longer before a second message is sent.
RUNNING_STUCK_AFTER = timedelta(minutes=15)
PENDING_STUCK_AFTER = timedelta(hours=2)


def _unique_groups(model: type[models.Model]) -> list[list[str]]:
    """The field names of each unique constraint of ``model`` (not the primary key), in order.

    Covers ``unique=True``, ``unique_together`` and UniqueConstraint, on fields or on
    expressions over fields (``Lower("handle")``).
    """
    groups = [[f.name] for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    groups += [list(together) for together in model._meta.unique_together]
    for constraint in model._meta.constraints:
        if not isinstance(constraint, models.UniqueConstraint):
            continue
        names = list(constraint.fields)
        stack = list(reversed(constraint.expressions))
        while stack:
            expression = stack.pop()
            if isinstance(expression, models.F):
                names.append(expression.name)
            elif hasattr(expression, "get_source_expressions"):
                stack.extend(reversed([e for e in expression.get_source_expressions() if e is not None]))
        groups.append([model._meta.get_field(name).name for name in names])
    return groups


def _unique_empty(model_field: models.Field) -> Any:
    """A per-row "nothing here" for a unique column: emptied rows must not collide."""
    if model_field.null:
        return None
    max_length = model_field.max_length
    pk = Cast("pk", models.CharField(max_length=max_length))
    if isinstance(model_field, models.EmailField) and (max_length is None or max_length >= 60):
        return Concat(models.Value("erased-"), pk, models.Value("@erased.invalid"), output_field=model_field)
    if max_length is None or max_length >= 40:
        return Concat(models.Value("erased-"), pk, output_field=model_field)
    return pk


def empty_value(model_field: models.Field) -> Any:
    """The "nothing here" value a column can hold: NULL where allowed, else the type's empty."""
    if model_field.null:
        return None
    if isinstance(model_field, models.BooleanField):
        return False
    if isinstance(model_field, models.JSONField):
        return {}
    if isinstance(model_field, models.CharField | models.TextField | models.FileField):
        return ""
    raise NoEmptyValue(f"{model_field.model._meta.label}.{model_field.name} has no empty value")


def _erased_email(reference: str) -> str:
    # Unique (the reference is), obviously not an address, and on a reserved TLD.
    return f"erased-{reference[:24]}@erased.invalid"


# --- What happens to one table ------------------------------------------------------


@dataclass
class TablePlan:
    entry: Entry
    mode: str  # "delete", "anonymise" or "keep" (every category held)
    updates: dict[str, Any] = field(default_factory=dict)  # column attname -> new value
    closure: dict[str, Any] = field(default_factory=dict)  # live row only (never rewrites history)
    history_values: dict[str, Any] = field(default_factory=dict)  # history's value where updates is per-row
    kept: list[dict] = field(default_factory=list)
    held: list[dict] = field(default_factory=list)

    @property
    def history_updates(self) -> dict[str, Any]:
        history = self.entry.history_model
        if history is None:
            return {}
        names = {f.attname for f in history._meta.concrete_fields}
        values = {k: v for k, v in {**self.updates, **self.history_values}.items() if k in names}
        # The reason of an old change may quote the data ("changed name to …").
        values["history_change_reason"] = None
        return values

    def file_fields(self, model: type[models.Model]) -> list[str]:
        """File columns (of ``model``: the live or the history table) whose files go with this batch."""
        live = {f.attname for f in self.entry.model._meta.concrete_fields if isinstance(f, models.FileField)}
        if self.mode != "delete":
            live &= set(self.updates)
        return sorted(live & {f.attname for f in model._meta.concrete_fields})


def _hold_note(personal_field: PersonalField, holds: list[Hold]) -> dict:
    return {
        "field": personal_field.name,
        "category": str(personal_field.category),
        "holds": [{"reason": h.reason, "reference": h.reference} for h in holds],
    }


def _kept_note(personal_field: PersonalField) -> dict:
    return {
        "field": personal_field.name,
        "legal_basis": str(personal_field.legal_basis),
        "retention": personal_field.retention,
    }


def table_plan(entry: Entry, *, reference: str, holds: list[Hold], now=None) -> TablePlan:
    """Decide, from the registry and the holds, what erasure does to ``entry``'s rows."""
    model = entry.model
    kept = [_kept_note(f) for f in entry.fields if f.action == Action.KEEP]
    held_fields = {f.name: holds_covering(f.category, holds) for f in entry.fields if f.action != Action.KEEP}
    held_fields = {name: found for name, found in held_fields.items() if found}
    by_name = {f.name: f for f in entry.fields}
    held = [_hold_note(by_name[name], found) for name, found in held_fields.items()]

    if entry.erase == Action.DELETE_ROW and not held and not kept:
        return TablePlan(entry, "delete")

    if entry.erase == Action.DELETE_ROW and not held_fields.keys() ^ {
        f.name for f in entry.fields if f.action != Action.KEEP
    }:
        # Every category this table holds is under a hold: the rows stay as they are.
        return TablePlan(entry, "keep", kept=kept, held=held)

    updates: dict[str, Any] = {}
    history_values: dict[str, Any] = {}
    emptied: dict[str, models.Field] = {}  # EMPTY columns given one shared empty value
    for personal_field in entry.fields:
        if personal_field.action == Action.KEEP or personal_field.name in held_fields:
            continue
        model_field = model._meta.get_field(personal_field.name)
        action = personal_field.action
        if action == Action.FIXED:
            value = personal_field.value
        elif action == Action.PSEUDONYM:
            if isinstance(model_field, models.EmailField):
                value = _erased_email(reference)
            else:
                value = reference[: model_field.max_length or None]
        else:
            try:
                value = empty_value(model_field)
            except NoEmptyValue:
                if entry.erase == Action.NULL:
                    raise  # a registry mistake: NULL on a column that cannot be empty
                # A held row keeps a column that cannot be emptied (a date, a link).
                held.append({**_hold_note(personal_field, []), "note": "kept with the held row (cannot be emptied)"})
                continue
            if value is not None:
                emptied[model_field.name] = model_field
        updates[model_field.attname] = value

    # Rows that stay (anonymised, or kept under a hold) must still satisfy every unique
    # constraint: where all of them would get the same empty value, one of the constraint's
    # emptied columns gets a value of its own per row instead. A NULL never collides.
    per_row: set[str] = set()
    for group in _unique_groups(model):
        columns = [model._meta.get_field(name) for name in group]
        if any(c.attname in updates and updates[c.attname] is None for c in columns) or per_row & set(group):
            continue
        candidates = [name for name in group if name in emptied]
        if candidates:
            model_field = emptied[candidates[0]]
            history_values[model_field.attname] = updates[model_field.attname]  # history has no constraints
            updates[model_field.attname] = _unique_empty(model_field)
            per_row.add(model_field.name)

    closure = {}
    if model is User:
        # Erasure closes the account: no sign-in, no password, marked closed. Live row only:
        # the history keeps showing the account as it was, minus the personal data.
        closure = {
            "is_active": False,
            "status": User.Status.CLOSED,
            "closed_at": Coalesce("closed_at", models.Value(now or timezone.now())),
            "password": make_password(None),
        }
    return TablePlan(
        entry, "anonymise", updates=updates, closure=closure, history_values=history_values, kept=kept, held=held
    )


def _history_subject_q(entry: Entry, user) -> models.Q | None:
    """The subject's rows in the history table, for history rows whose live row is gone."""
    if entry.subject == "":
        return models.Q(id=user.pk)
    try:
        q = entry.subject_q(user)
        entry.history_model._base_manager.filter(q).query  # noqa: B018 (builds the query: FieldError if not applicable)
    except FieldError:
        return None
    return q


def _orphan_history(entry: Entry, user) -> models.QuerySet | None:
    q = _history_subject_q(entry, user)
    if q is None:
        return None
    return entry.history_model._base_manager.filter(q).exclude(id__in=entry.model._base_manager.values("pk"))


# --- Services -------------------------------------------------------------------------


def _actor_progress(actor) -> dict:
    if isinstance(actor, SystemActor):
        return {"system": actor.name}
    if actor is None:
        return {}
    return {"user": actor.pk}


def _actor_label(run: ErasureRun) -> str:
    actor = run.progress.get("actor") or {}
    if "system" in actor:
        return f"system:{actor['system']}"
    if "user" in actor:
        return "subject" if actor["user"] == run.subject_id else "staff"
    return ""


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

    ``queue=False`` is for callers already running in a worker that carry the erasure out
    themselves with ``erasure_run`` (the retention purge); the reconciler still picks the
    run up if that worker dies.
    """
    from apps.personal_data.tasks import erase_subject_task

    if not dry_run:
        # One erasure of a subject at a time; asking again returns the one under way. The
        # lock on the subject's row makes a concurrent request wait and then see this one.
        User._base_manager.select_for_update().filter(pk=subject.pk).first()
        active = ErasureRun.objects.filter(subject_id=subject.pk, status__in=ACTIVE, dry_run=False).first()
        if active is not None:
            return active
    run = ErasureRun(
        subject_id=subject.pk,
        subject_reference=make_subject_reference(subject),
        request_reference=request_reference,
        requested_by=actor if isinstance(actor, User) else None,
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
    if queue:
        transaction.on_commit(lambda: erase_subject_task.delay(run.pk))
    return run


def erasure_plan(*, subject: User) -> list[dict]:
    """The dry run: per table, what an erasure would do now. Writes nothing."""
    reference = make_subject_reference(subject)
    holds = holds_for(subject)
    rows = []
    for entry in entries():
        plan = table_plan(entry, reference=reference, holds=holds)
        live = entry.model._base_manager.filter(entry.subject_q(subject))
        count = live.count()
        history_rows = 0
        if entry.history_model is not None:
            history_rows = entry.history_model._base_manager.filter(id__in=live.values("pk")).count()
            orphans = _orphan_history(entry, subject)
            history_rows += orphans.count() if orphans is not None else 0
        rows.append(
            {
                "table": entry.table,
                "model": entry.label,
                "rows_to_delete": count if plan.mode == "delete" else 0,
                "rows_to_anonymise": count if plan.mode == "anonymise" else 0,
                "rows_to_keep": count if plan.mode == "keep" else 0,
                "history_rows_to_scrub": history_rows if plan.mode != "keep" else 0,
                "kept": plan.kept,
                "held": plan.held,
            }
        )
    return rows


def erasure_run(*, erasure_id: int) -> ErasureRun | None:
    """Carry out (or resume) one erasure. Safe to call any number of times."""
    run = _erasure_claim(erasure_id)
    if run is not None and run.status in FINISHED and run.progress.get("pending_files"):
        return _retry_pending_files(run.pk)
    if run is None or run.status in FINISHED:
        return run
    try:
        _close_account(run.pk)
        _flush_pending_files(run.pk)
        user = User._base_manager.filter(pk=run.subject_id).first() or User(pk=run.subject_id)
        holds = _run_holds(run.pk, user)
        frozen = _frozen_subjects(run.pk, user)
        batch_size = max(1, int(getattr(settings, "PERSONAL_DATA_ERASURE_BATCH_SIZE", 2000)))
        now = timezone.now()
        for entry in entries():
            plan = table_plan(entry, reference=run.subject_reference, holds=holds, now=now)
            if entry.label == "socialaccount.SocialToken" and plan.mode == "delete":
                revoke_social_tokens(user)
            live = _live_rows(entry, user, frozen)
            while _erase_batch(run_pk=run.pk, plan=plan, user=user, batch_size=batch_size, phase="live", live=live):
                pass
            if entry.history_model is not None:
                while _erase_batch(run_pk=run.pk, plan=plan, user=user, batch_size=batch_size, phase="history"):
                    pass
        _flush_pending_files(run.pk)  # normally done after each batch's commit already
        pending = ErasureRun.objects.get(pk=run.pk).progress.get("pending_files", [])
        if pending:
            # Finished only when every file is gone: the task retries (and the reconciler after it).
            raise FilesPending(f"{len(pending)} file(s) of erased rows could not be deleted yet")
        return _erasure_finish(run.pk, holds=holds)
    except Exception as exc:
        _record_error(run.pk, exc)
        raise


@transaction.atomic
def _erasure_claim(erasure_id: int) -> ErasureRun | None:
    run = ErasureRun.objects.select_for_update().filter(pk=erasure_id).first()
    if run is None:
        logger.warning("Erasure %s does not exist (a stale message); nothing to do.", erasure_id)
        return None
    if run.status in FINISHED:
        return run
    if run.attempts >= MAX_ATTEMPTS:
        run.status = ErasureRun.Status.FAILED
        run.finished_at = timezone.now()
        run.last_error = f"Gave up after {run.attempts} attempts. Last error: {run.last_error or '(none recorded)'}"
        run.save(update_fields=["status", "finished_at", "last_error", "updated_at"])
        return run
    now = timezone.now()
    active_at = run.progress.get("active_at")
    live = (
        run.status == ErasureRun.Status.RUNNING
        and not run.progress.get("requeued")  # the reconciler judged the last attempt dead
        and active_at is not None
        and now - datetime.fromisoformat(active_at) < LIVE_WINDOW
    )
    if not live:
        # Another delivery while an attempt is visibly at work is not a failed attempt.
        run.attempts += 1
    run.status = ErasureRun.Status.RUNNING
    run.started_at = run.started_at or now
    run.progress["active_at"] = now.isoformat()
    run.progress.pop("requeued", None)
    run.save(update_fields=["attempts", "status", "started_at", "progress", "updated_at"])
    return run


def _close_account(run_pk: int) -> None:
    """Stop the account being used while it is erased: no sign-in, and signed out everywhere.

    Rows the subject could create meanwhile (logins, sessions, exports) would otherwise be
    added behind the engine, after their table was done. Its own short transaction, done
    once per run; a failure is logged and retried on the next attempt, not fatal (the
    account is closed with the user row at the end in any case).
    """
    from allauth.usersessions.models import UserSession

    try:
        with transaction.atomic():
            run = ErasureRun.objects.select_for_update().get(pk=run_pk)
            if run.progress.get("account_closed") or run.status in FINISHED:
                return
            User._base_manager.filter(pk=run.subject_id).update(is_active=False, password=make_password(None))
            keys = UserSession.objects.filter(user_id=run.subject_id).values("session_key")
            sessions = Session.objects.filter(session_key__in=keys)
            closed = sessions._raw_delete(sessions.db)
            # Counted with the table whose rows name the sessions, as if deleted with them.
            state = run.progress.setdefault("tables", {}).setdefault("usersessions.UserSession", _new_state())
            state["sessions_deleted"] = state.get("sessions_deleted", 0) + closed
            run.progress["account_closed"] = True
            _save_progress(run)
    except DatabaseError:
        logger.warning("Erasure %s could not close the account first; it goes on.", run_pk, exc_info=True)


@transaction.atomic
def _run_holds(run_pk: int, user) -> list[Hold]:
    """The holds of this run: those seen on any attempt (a resumed run never keeps less)."""
    run = ErasureRun.objects.select_for_update().get(pk=run_pk)
    stored = [Hold.from_dict(h) for h in run.progress.get("holds", [])]
    current = [] if user._state.adding else holds_for(user)  # no provider is asked about a missing row
    known = {(h.reference, h.reason, None if h.categories is None else frozenset(h.categories)) for h in stored}
    for hold in current:
        key = (hold.reference, hold.reason, None if hold.categories is None else frozenset(hold.categories))
        if key not in known:
            stored.append(hold)
            known.add(key)
    run.progress["holds"] = [h.as_dict() for h in stored]
    run.save(update_fields=["progress", "updated_at"])
    return stored


def _new_state() -> dict:
    return {
        "live_last": None,
        "live_done": False,
        "history_last": None,
        "history_done": False,
        "rows_deleted": 0,
        "rows_anonymised": 0,
        "rows_kept": 0,
        "history_rows_scrubbed": 0,
    }


def _json_pk(pk: Any) -> Any:
    return pk if isinstance(pk, int | str) else str(pk)


def _frozen_subjects(run_pk: int, user) -> dict[str, list]:
    """Keys of the rows that freeze_subject entries matched before anything was erased.

    Stored with the run on its first attempt, so a resumed run uses the same selection.
    """
    with transaction.atomic():
        run = ErasureRun.objects.select_for_update().get(pk=run_pk)
        if "frozen" not in run.progress:
            run.progress["frozen"] = {
                entry.label: [
                    _json_pk(pk)
                    for pk in entry.model._base_manager.filter(entry.subject_q(user)).values_list("pk", flat=True)
                ]
                for entry in entries()
                if entry.freeze_subject and user.pk is not None and not user._state.adding
            }
            _save_progress(run)
        return run.progress["frozen"]


def _live_rows(entry: Entry, user, frozen: dict[str, list]) -> models.QuerySet:
    rows = entry.model._base_manager.filter(entry.subject_q(user))
    if entry.label in frozen:
        rows = entry.model._base_manager.filter(entry.subject_q(user) | models.Q(pk__in=frozen[entry.label]))
    return rows


def _erase_batch(
    *, run_pk: int, plan: TablePlan, user, batch_size: int, phase: str, live: models.QuerySet | None = None
) -> bool:
    """Erase one batch of one table (or of its orphaned history); False when none is left."""
    entry = plan.entry
    with transaction.atomic():
        # The lock orders concurrent deliveries of the same run: each re-reads the checkpoint.
        run = ErasureRun.objects.select_for_update().get(pk=run_pk)
        if run.status in FINISHED:
            return False
        state = run.progress.setdefault("tables", {}).setdefault(entry.label, _new_state())
        if state[f"{phase}_done"]:
            return False
        if phase == "live":
            base = live if live is not None else entry.model._base_manager.filter(entry.subject_q(user))
            pk_name = "pk"
        else:
            orphans = _orphan_history(entry, user) if plan.mode != "keep" else None
            base, pk_name = orphans, "history_id"
        pks = []
        if base is not None:
            last = state[f"{phase}_last"]
            if last is not None:
                base = base.filter(**{f"{pk_name}__gt": last})
            pks = list(base.order_by(pk_name).values_list(pk_name, flat=True)[:batch_size])
        if not pks:
            state[f"{phase}_done"] = True
            _save_progress(run)
            return False

        files: list[dict] = []
        # The batch as a key range, not an IN list of its keys: thousands of bound
        # parameters cost more to build and send than the UPDATE itself.
        batch = base.filter(**{f"{pk_name}__lte": pks[-1]})
        if phase == "live":
            _erase_live_rows(run, plan, batch, len(pks), state, files)
        else:
            _erase_history_rows(plan, batch, state, files)
        state[f"{phase}_last"] = _json_pk(pks[-1])
        if files:
            pending = run.progress.setdefault("pending_files", [])
            files = [f for i, f in enumerate(files) if f not in files[:i] and f not in pending]
            pending.extend(files)
            transaction.on_commit(lambda: _delete_files(run_pk, files))
        _save_progress(run)
    return True


def _collect_files(plan: TablePlan, queryset: models.QuerySet, files: list[dict]) -> None:
    for name in plan.file_fields(queryset.model):
        for stored in queryset.exclude(**{name: ""}).exclude(**{f"{name}__isnull": True}).values_list(name, flat=True):
            files.append({"model": plan.entry.label, "field": name, "name": stored})


def _erase_history_rows(plan: TablePlan, history: models.QuerySet, state: dict, files: list[dict]) -> None:
    if plan.mode == "keep":
        return
    _collect_files(plan, history, files)
    if plan.mode == "delete":
        # The history of a deleted row is all the subject's; raw, as below.
        state["history_rows_scrubbed"] += history._raw_delete(history.db)
    else:
        state["history_rows_scrubbed"] += history.update(**plan.history_updates)


def _erase_live_rows(
    run: ErasureRun, plan: TablePlan, rows: models.QuerySet, count: int, state: dict, files: list[dict]
) -> None:
    entry = plan.entry
    if entry.label == "usersessions.UserSession":
        # Signing the subject out everywhere: their Django sessions go before the rows naming them.
        sessions = Session.objects.filter(session_key__in=rows.values("session_key"))
        state["sessions_deleted"] = state.get("sessions_deleted", 0) + sessions._raw_delete(sessions.db)
    if plan.mode == "keep":
        state["rows_kept"] += count
        return
    _collect_files(plan, rows, files)
    history = (
        entry.history_model._base_manager.filter(id__in=rows.values("pk")) if entry.history_model is not None else None
    )
    # History first: its selection reads the live rows, which the next statement changes.
    if history is not None:
        _erase_history_rows(plan, history, state, files)
    if plan.mode == "delete":
        # _raw_delete: one DELETE, no signals. A normal delete() would make simple-history's
        # post_delete write the row (with its data) into the history table once more, and
        # would cascade outside the batching; registry order already handled the children.
        state["rows_deleted"] += rows._raw_delete(rows.db)
        return
    # update(): one UPDATE, no save() signals that could copy the data elsewhere.
    # Evaluate the batch's keys now: the UPDATE may change what the subject filter matches.
    pks = list(rows.values_list("pk", flat=True)) if entry.model is User else []
    state["rows_anonymised"] += rows.update(**plan.updates, **plan.closure)
    if history is not None and entry.model is User:
        # The account gets one new version naming who erased it and why. Other tables do
        # not: the certificate is their record, and a version per row would double the
        # writes of every anonymised table (bench/erasure.py measures this).
        actor_info = run.progress.get("actor") or {}
        actor = SystemActor(actor_info["system"]) if "system" in actor_info else run.requested_by
        instances = list(entry.model._base_manager.filter(pk__in=pks))
        for instance in instances:
            record_actor(instance, actor=actor, reason=f"Erasure {run.reference}")
        entry.model.history.bulk_history_create(instances, update=True)


def _save_progress(run: ErasureRun) -> None:
    run.progress["active_at"] = timezone.now().isoformat()
    run.save(update_fields=["progress", "updated_at"])


def _delete_files(run_pk: int, files: list[dict]) -> None:
    """Delete uploaded files after the rows naming them are committed, then clear the list."""
    from django.apps import apps

    for item in files:
        model = apps.get_model(item["model"])
        storage = model._meta.get_field(item["field"]).storage
        try:
            storage.delete(item["name"])
        except OSError:
            logger.warning("Erasure %s could not delete a file; it stays listed as pending.", run_pk)
            return
    with transaction.atomic():
        run = ErasureRun.objects.select_for_update().get(pk=run_pk)
        pending = run.progress.get("pending_files", [])
        removed = [f for f in pending if f in files]  # counted once, whoever deleted them first
        run.progress["pending_files"] = [f for f in pending if f not in files]
        run.progress["files_deleted"] = run.progress.get("files_deleted", 0) + len(removed)
        _save_progress(run)


def _flush_pending_files(run_pk: int) -> None:
    """Files whose rows were committed by an attempt that died before deleting them."""
    pending = ErasureRun.objects.get(pk=run_pk).progress.get("pending_files", [])
    if pending:
        _delete_files(run_pk, pending)


def _retry_pending_files(run_pk: int) -> ErasureRun:
    """A finished run that still lists files (finished before this was enforced): retry them."""
    _flush_pending_files(run_pk)
    with transaction.atomic():
        run = ErasureRun.objects.select_for_update().get(pk=run_pk)
        if run.certificate:
            run.certificate["files_deleted"] = run.progress.get("files_deleted", 0)
            run.certificate["files_pending"] = len(run.progress.get("pending_files", []))
            run.save(update_fields=["certificate", "updated_at"])
    if run.progress.get("pending_files"):
        raise FilesPending(f"{len(run.progress['pending_files'])} file(s) of erased rows could not be deleted yet")
    return run


@transaction.atomic
def _erasure_finish(run_pk: int, *, holds: list[Hold]) -> ErasureRun:
    run = ErasureRun.objects.select_for_update().get(pk=run_pk)
    if run.status in FINISHED:
        return run
    now = timezone.now()
    tables = []
    anything_held = False
    tokens_deleted = 0
    for entry in entries():
        plan = table_plan(entry, reference=run.subject_reference, holds=holds, now=now)
        state = run.progress.get("tables", {}).get(entry.label, _new_state())
        row = {
            "table": entry.table,
            "model": entry.label,
            "rows_deleted": state["rows_deleted"],
            "rows_anonymised": state["rows_anonymised"],
            "rows_kept": state["rows_kept"],
            "history_rows_scrubbed": state["history_rows_scrubbed"],
            "kept": plan.kept,
            "held": plan.held,
        }
        if "sessions_deleted" in state:
            row["sessions_deleted"] = state["sessions_deleted"]
        if entry.label == "socialaccount.SocialToken":
            tokens_deleted = state["rows_deleted"]
        touched = state["rows_deleted"] + state["rows_anonymised"] + state["rows_kept"]
        anything_held = anything_held or bool(plan.held and touched)
        tables.append(row)
    notes = []
    if tokens_deleted and not getattr(settings, "SOCIALACCOUNT_REVOKE_TOKENS", False):
        notes.append(TOKEN_NOTE)
    run.status = ErasureRun.Status.PARTIAL if anything_held else ErasureRun.Status.COMPLETED
    run.finished_at = now
    run.last_error = ""
    # Nothing here may identify the person: references, counts and the registry's words only.
    run.certificate = {
        "erasure_reference": str(run.reference),
        "request_reference": run.request_reference,
        "subject_reference": run.subject_reference,
        "status": run.status,
        "engine_version": ENGINE_VERSION,
        "requested_by": _actor_label(run),
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": now.isoformat(),
        "holds": [h.as_dict() for h in holds],
        "files_deleted": run.progress.get("files_deleted", 0),
        "files_pending": len(run.progress.get("pending_files", [])),
        "tables": tables,
        "notes": notes,
    }
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
    """Called when the task has given up (retries exhausted or a permanent error)."""
    run = ErasureRun.objects.select_for_update().filter(pk=erasure_id).first()
    if run is None or run.status in (ErasureRun.Status.COMPLETED, ErasureRun.Status.PARTIAL):
        return run
    run.status = ErasureRun.Status.FAILED
    run.finished_at = timezone.now()
    run.last_error = error[:4000]
    run.save(update_fields=["status", "finished_at", "last_error", "updated_at"])
    return run


def erasure_requeue_stuck(
    *, older_than: timedelta = RUNNING_STUCK_AFTER, pending_older_than: timedelta | None = None, dry_run: bool = False
) -> list[int]:
    """Re-enqueue runs left RUNNING with no progress for ``older_than``, PENDING ones for
    ``pending_older_than`` (the beat job and the command give PENDING_STUCK_AFTER; when not
    given it is ``older_than``).

    Needed because a worker killed outright (SIGKILL, OOM, host loss) loses its task: the
    filesystem broker deletes a message when a worker takes it, and Redis redelivers only
    after its visibility timeout (over half an hour). Safe to over-enqueue: a run resumes
    from its checkpoint, batches are serialised on the run row, a finished run is a no-op.
    """
    from apps.personal_data.tasks import erase_subject_task

    now = timezone.now()
    # A PENDING run may only be waiting behind other work in the queue: a second message
    # for it would just be a duplicate delivery later, so it waits much longer.
    pending_older_than = older_than if pending_older_than is None else pending_older_than
    stale = models.Q(status=ErasureRun.Status.RUNNING, updated_at__lte=now - older_than) | models.Q(
        status=ErasureRun.Status.PENDING, updated_at__lte=now - pending_older_than
    )
    with transaction.atomic():
        stuck = list(
            ErasureRun.objects.select_for_update()
            .filter(stale, dry_run=False)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if dry_run:
            return stuck
        # Touch them so the next sweep waits a full period before trying again, and mark
        # them so the next claim counts an attempt (the last one is taken to be dead).
        for run in ErasureRun.objects.filter(pk__in=stuck):
            run.progress["requeued"] = True
            run.save(update_fields=["progress", "updated_at"])
        for pk in stuck:
            transaction.on_commit(lambda pk=pk: erase_subject_task.delay(pk))
    return stuck


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
