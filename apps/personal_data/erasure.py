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
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core.exceptions import FieldError
from django.db import models, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.models import User
from apps.core.actors import SystemActor, record_actor
from apps.personal_data.holds import Hold, holds_covering, holds_for
from apps.personal_data.models import ErasureRun
from apps.personal_data.pseudonyms import subject_reference as make_subject_reference
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
    kept: list[dict] = field(default_factory=list)
    held: list[dict] = field(default_factory=list)

    @property
    def history_updates(self) -> dict[str, Any]:
        history = self.entry.history_model
        if history is None:
            return {}
        names = {f.attname for f in history._meta.concrete_fields}
        values = {k: v for k, v in self.updates.items() if k in names}
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
        updates[model_field.attname] = value

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
    return TablePlan(entry, "anonymise", updates=updates, closure=closure, kept=kept, held=held)


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
    *, subject: User, actor: User | SystemActor | None, reason: str, request_reference: str = "", dry_run: bool = False
) -> ErasureRun:
    """Record an erasure of ``subject`` and queue it (a dry run only records the plan)."""
    from apps.personal_data.tasks import erase_subject_task

    if not dry_run:
        # One erasure of a subject at a time; asking again returns the one under way.
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
    if run is None or run.status in FINISHED:
        return run
    try:
        _flush_pending_files(run.pk)
        user = User._base_manager.filter(pk=run.subject_id).first() or User(pk=run.subject_id)
        holds = _run_holds(run.pk, user)
        batch_size = max(1, int(getattr(settings, "PERSONAL_DATA_ERASURE_BATCH_SIZE", 2000)))
        now = timezone.now()
        for entry in entries():
            plan = table_plan(entry, reference=run.subject_reference, holds=holds, now=now)
            if entry.label == "socialaccount.SocialToken" and plan.mode == "delete":
                revoke_social_tokens(user)
            while _erase_batch(run_pk=run.pk, plan=plan, user=user, batch_size=batch_size, phase="live"):
                pass
            if entry.history_model is not None:
                while _erase_batch(run_pk=run.pk, plan=plan, user=user, batch_size=batch_size, phase="history"):
                    pass
        _flush_pending_files(run.pk)  # normally done after each batch's commit already
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
    run.attempts += 1
    run.status = ErasureRun.Status.RUNNING
    run.started_at = run.started_at or timezone.now()
    run.save(update_fields=["attempts", "status", "started_at", "updated_at"])
    return run


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


def _erase_batch(*, run_pk: int, plan: TablePlan, user, batch_size: int, phase: str) -> bool:
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
            base, pk_name = entry.model._base_manager.filter(entry.subject_q(user)), "pk"
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


def erasure_requeue_stuck(*, older_than: timedelta = timedelta(minutes=15), dry_run: bool = False) -> list[int]:
    """Re-enqueue runs left PENDING/RUNNING with no progress for ``older_than``.

    Needed because a worker killed outright (SIGKILL, OOM, host loss) loses its task: the
    filesystem broker deletes a message when a worker takes it, and Redis redelivers only
    after its visibility timeout (over half an hour). Safe to over-enqueue: a run resumes
    from its checkpoint, batches are serialised on the run row, a finished run is a no-op.
    """
    from apps.personal_data.tasks import erase_subject_task

    cutoff = timezone.now() - older_than
    with transaction.atomic():
        stuck = list(
            ErasureRun.objects.select_for_update()
            .filter(status__in=ACTIVE, dry_run=False, updated_at__lte=cutoff)
            .values_list("pk", flat=True)
        )
        if dry_run:
            return stuck
        # Touch them so the next sweep waits a full period before trying again.
        ErasureRun.objects.filter(pk__in=stuck).update(updated_at=timezone.now())
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
