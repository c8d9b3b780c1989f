"""One batch of one table: the live rows (or orphaned history rows) erased in one short
transaction that also saves the checkpoint; and the files of erased rows, deleted after commit.

``apply_batch`` and ``delete_stored_files`` are the one way rows leave or lose their personal
data: the retention purge (apps/retention/purge/) applies its batches with them too.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.sessions.models import Session
from django.db import connections, models, router, transaction
from simple_history.utils import get_history_manager_for_model

from apps.core.actors import SystemActor, record_actor
from apps.core.jobs import RetryLater
from apps.personal_data.erasure.checkpoint import FINISHED, _json_pk, _new_state, _save_progress
from apps.personal_data.erasure.plan import TablePlan, _orphan_history
from apps.personal_data.models import ErasureRun
from apps.personal_data.registry import Entry, entries
from apps.personal_data.registry.probe import sql_for

logger = logging.getLogger(__name__)


class FilesPending(RetryLater):
    """Files of erased rows could not be deleted yet: the run stays open and its job is
    tried again later, with backoff (a storage that is briefly away)."""


class SubjectFilters(dict):
    """Each entry's subject filter for one user, built once per run: a callable filter (the
    admin log's names every other registered table) costs more to build than to run. The Q
    objects hold lazy subqueries, so reusing one later reads the rows as they are then."""

    def __init__(self, user) -> None:
        super().__init__()
        self.user = user

    def of(self, entry: Entry) -> models.Q:
        if entry.label not in self:
            self[entry.label] = entry.subject_q(self.user)
        return self[entry.label]


@contextmanager
def _checkpoint() -> Iterator[None]:
    """The transaction of one batch (or of recording the files it deleted) and its checkpoint.

    On PostgreSQL its commit does not wait for the write-ahead log to reach the disk
    (``synchronous_commit`` off, for this transaction only, when it is not nested in a
    caller's): a batch then costs its statements, not a disk flush as well. Nothing is lost
    but time: a database crash can only undo the last checkpoints whole (each transaction
    is atomic, and commits are undone newest first), and the run, still open, goes through
    those rows again; files already deleted are deleted again, which storage accepts, and
    counted once. The run's finishing commit is synchronous, and makes every checkpoint
    before it durable with it: the certificate never precedes the work it states.
    """
    connection = transaction.get_connection()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def _frozen_subjects(run: ErasureRun, user, subjects: SubjectFilters | None = None) -> bool:
    """Keys of the rows that freeze_subject entries matched before anything was erased, in
    ``run.progress["frozen"]``; True when they were taken now (the caller saves the run).

    Stored with the run on its first attempt, so a resumed run uses the same selection.
    """
    if "frozen" in run.progress:
        return False
    subjects = subjects if subjects is not None else SubjectFilters(user)
    using = router.db_for_write(ErasureRun)
    frozen = {}
    for entry in entries():
        if not entry.freeze_subject or user.pk is None or user._state.adding:
            continue

        def rows(someone, entry: Entry = entry) -> models.QuerySet:
            return entry.model._base_manager.filter(subjects.of(entry) if someone is user else entry.subject_q(someone))

        compiled = sql_for(
            rows,
            user,
            what="pks",
            key=(entry.label, "frozen"),
            by_key=entry.subject_by_key,
            using=using,
        )
        assert compiled is not None, "a live table always applies"
        with connections[using].cursor() as cursor:
            cursor.execute(*compiled)
            frozen[entry.label] = [_json_pk(row[0]) for row in cursor.fetchall()]
    run.progress["frozen"] = frozen
    return True


def _live_rows(entry: Entry, user, frozen: dict[str, list], subjects: SubjectFilters | None = None) -> models.QuerySet:
    subject = subjects.of(entry) if subjects is not None else entry.subject_q(user)
    if entry.label in frozen:
        subject = subject | models.Q(pk__in=frozen[entry.label])
    return entry.model._base_manager.filter(subject)


def _erase_batch(
    *,
    run_pk: int,
    plan: TablePlan,
    user,
    batch_size: int,
    phase: str,
    live: models.QuerySet | None = None,
    orphans: models.QuerySet | None = None,
) -> bool:
    """Erase one batch of one table (or of its orphaned history); False when none is left.

    A batch shorter than ``batch_size`` held the last of the subject's rows: the phase is
    marked done in the same transaction, with no further transaction to find nothing."""
    entry = plan.entry
    with _checkpoint():
        # The lock orders concurrent deliveries of the same run: each re-reads the checkpoint.
        run = ErasureRun.objects.select_for_update().get(pk=run_pk)
        if run.status in FINISHED:
            return False
        state = run.progress.setdefault("tables", {}).setdefault(entry.label, _new_state())
        if state[f"{phase}_done"]:
            return False
        base: models.QuerySet | None
        if phase == "live":
            base = live if live is not None else entry.model._base_manager.filter(entry.subject_q(user))
            pk_name = "pk"
        else:
            base = None if plan.mode == "keep" else orphans if orphans is not None else _orphan_history(entry, user)
            pk_name = "history_id"
        upper, count = None, 0
        if base is not None:
            last = state[f"{phase}_last"]
            if last is not None:
                base = base.filter(**{f"{pk_name}__gt": last})
            upper, count = _batch_end(base.order_by(pk_name).values_list(pk_name, flat=True), batch_size)
        if base is None or upper is None:
            state[f"{phase}_done"] = True
            _save_progress(run)
            return False

        files: list[dict] = []
        # The batch as a key range, not an IN list of its keys: thousands of bound
        # parameters cost more to build and send than the UPDATE itself.
        batch = base.filter(**{f"{pk_name}__lte": upper})
        if phase == "live":
            _erase_live_rows(run, plan, batch, count, state, files)
        else:
            _erase_history_rows(plan, batch, state, files)
        state[f"{phase}_last"] = _json_pk(upper)
        last = count < batch_size
        if last:
            state[f"{phase}_done"] = True
        if files:
            pending = run.progress.setdefault("pending_files", [])
            files = _distinct(files, exclude=pending)
            pending.extend(files)
            transaction.on_commit(lambda: _delete_files(run_pk, files))
        _save_progress(run)
    return not last


def mark_done(run_pk: int, phases: list[tuple[str, str]]) -> None:
    """Record in one transaction that these (table, phase) pairs had nothing to erase. A run
    that dies before this looks at them again: they are cheap to look at."""
    if not phases:
        return
    with transaction.atomic():
        run = ErasureRun.objects.select_for_update().get(pk=run_pk)
        if run.status in FINISHED:
            return
        tables = run.progress.setdefault("tables", {})
        for label, phase in phases:
            tables.setdefault(label, _new_state())[f"{phase}_done"] = True
        _save_progress(run)


def _batch_end(keys: models.QuerySet, size: int) -> tuple[Any, int]:
    """The last key of the next batch of (ordered) ``keys`` and how many rows it holds; None
    when none is left. One statement, whatever the batch: the database finds the last key
    and the count of the first ``size`` keys; none of the keys are fetched."""
    name = keys.query.values_select[0]
    found = keys[:size].aggregate(last=models.Max(name), count=models.Count(name))
    return (found["last"], found["count"]) if found["count"] else (None, 0)


def _collect_files(plan: TablePlan, queryset: models.QuerySet, files: list[dict]) -> None:
    for name in plan.file_fields(queryset.model):
        for stored in queryset.exclude(**{name: ""}).exclude(**{f"{name}__isnull": True}).values_list(name, flat=True):
            files.append({"model": plan.entry.label, "field": name, "name": stored})


def _file_key(item: dict) -> tuple[str, str, str]:
    return item["model"], item["field"], item["name"]


def _distinct(files: list[dict], *, exclude: Sequence[dict] = ()) -> list[dict]:
    """``files`` without repeats or any of ``exclude``, in order (a file named by a row and
    its history rows is deleted and counted once). Keyed, not compared pairwise: a batch of
    a customer's thousand files would otherwise cost a million comparisons."""
    seen = {_file_key(f) for f in exclude}
    kept = []
    for item in files:
        key = _file_key(item)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


@dataclass
class Applied:
    rows: int = 0
    history_rows: int = 0
    files: list[dict] = field(default_factory=list)  # stored files of these rows, to delete after commit


def apply_batch(
    plan: TablePlan,
    rows: models.QuerySet,
    *,
    updates: dict[str, Any] | None = None,
    history_updates: dict[str, Any] | None = None,
) -> Applied:
    """Delete or anonymise one batch of ``plan``'s table, its history rows first (their
    selection reads the live rows, which the next statement changes), collecting the files
    the rows name. Call it inside the batch's transaction; delete the files after commit.

    Raw deletes and update(): no signals, so simple-history does not write the data being
    removed into a new history row, and nothing cascades outside the batching (registry
    order handles children first). ``updates`` go to the live rows only (an account's
    closure, a rule's own changes); ``history_updates`` to the history rows.
    """
    applied = Applied()
    _collect_files(plan, rows, applied.files)
    history_model = plan.entry.history_model
    if history_model is not None:
        history = history_model._base_manager.filter(id__in=rows.values("pk"))
        _collect_files(plan, history, applied.files)
        if plan.mode == "delete":
            applied.history_rows = history._raw_delete(history.db)
        else:
            applied.history_rows = history.update(**plan.history_updates, **(history_updates or {}))
    if plan.mode == "delete":
        applied.rows = rows._raw_delete(rows.db)
    else:
        applied.rows = rows.update(**plan.updates, **(updates or {}))
    applied.files = _distinct(applied.files)
    return applied


def stored_name_hash(name: str) -> str:
    """How the certificate names a deleted file: 128 bits of the SHA-256 of its stored name."""
    return hashlib.sha256(name.encode()).hexdigest()[:32]


def delete_stored_files(files: list[dict]) -> list[dict]:
    """Delete the stored files (as ``apply_batch`` lists them); returns those deleted. One
    that storage could not delete stays for the caller to try again later."""
    from django.apps import apps

    deleted = []
    for item in files:
        storage = apps.get_model(item["model"])._meta.get_field(item["field"]).storage
        try:
            storage.delete(item["name"])
        except Exception:
            # Any failure, not only OSError: an object store's client raises its own errors
            # (botocore's are not OSErrors), and a delete is safe to try again later.
            logger.warning("Could not delete a stored file of %s yet.", item["model"], exc_info=True)
            continue
        deleted.append(item)
    return deleted


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
    # Evaluate the batch's keys now: the UPDATE may change what the subject filter matches.
    pks = list(rows.values_list("pk", flat=True)) if entry.erasure_version and plan.mode != "delete" else []
    applied = apply_batch(plan, rows, updates=plan.closure)
    files.extend(applied.files)
    state["history_rows_scrubbed"] += applied.history_rows
    if plan.mode == "delete":
        state["rows_deleted"] += applied.rows
        return
    state["rows_anonymised"] += applied.rows
    if entry.history_model is not None and entry.erasure_version:
        # The account gets one new version naming who erased it and why. Other tables do
        # not: the certificate is their record, and a version per row would double the
        # writes of every anonymised table (bench/erasure.py measures this).
        actor_info = run.progress.get("actor") or {}
        actor = SystemActor(actor_info["system"]) if "system" in actor_info else run.requested_by
        instances = list(entry.model._base_manager.filter(pk__in=pks))
        for instance in instances:
            record_actor(instance, actor=actor, reason=f"Erasure {run.reference}")
        get_history_manager_for_model(entry.model).bulk_history_create(instances, update=True)


def _delete_files(run_pk: int, files: list[dict]) -> None:
    """Delete uploaded files after the rows naming them are committed, then clear them from the list."""
    deleted = delete_stored_files(files)
    if len(deleted) < len(files):
        logger.warning("Erasure %s could not delete a file; it stays listed as pending.", run_pk)
    if not deleted:
        return
    with _checkpoint():
        run = ErasureRun.objects.select_for_update().get(pk=run_pk)
        pending = run.progress.get("pending_files", [])
        gone = {_file_key(f) for f in deleted}
        removed = [f for f in pending if _file_key(f) in gone]  # counted once, whoever deleted them first
        run.progress["pending_files"] = [f for f in pending if _file_key(f) not in gone]
        run.progress["files_deleted"] = run.progress.get("files_deleted", 0) + len(removed)
        # Per table, a hash of each deleted file's stored name for the certificate: it proves
        # which stored objects went (whoever holds a name can check it) and says nothing of
        # the file or of the person (the name the customer gave a file is never listed).
        by_table = run.progress.setdefault("deleted_files", {})
        for item in removed:
            by_table.setdefault(item["model"], []).append(stored_name_hash(item["name"]))
        _save_progress(run)


def _flush_pending_files(run_pk: int) -> list[dict]:
    """Delete the files whose rows were committed by an attempt that died before deleting
    them (or whose deletion failed); returns those still pending."""
    pending = ErasureRun.objects.values_list("progress", flat=True).get(pk=run_pk).get("pending_files", [])
    if pending:
        _delete_files(run_pk, pending)
        pending = ErasureRun.objects.values_list("progress", flat=True).get(pk=run_pk).get("pending_files", [])
    return pending


def certificate_files_update(certificate: dict, progress: dict) -> None:
    """Write the files a run deleted, and those still pending, into its certificate: totals,
    and per table the count and the hashes of the stored names (sorted: the order of
    deletion says nothing)."""
    certificate["files_deleted"] = progress.get("files_deleted", 0)
    certificate["files_pending"] = len(progress.get("pending_files", []))
    by_table = progress.get("deleted_files", {})
    pending: dict[str, int] = {}
    for item in progress.get("pending_files", []):
        pending[item["model"]] = pending.get(item["model"], 0) + 1
    for row in certificate.get("tables", []):
        hashes = sorted(by_table.get(row["model"], []))
        row["files_deleted"] = len(hashes)
        row["files"] = hashes
        if pending.get(row["model"]):
            row["files_pending"] = pending[row["model"]]
        else:
            row.pop("files_pending", None)


def _retry_pending_files(run_pk: int) -> ErasureRun:
    """A finished run that still lists files (finished before this was enforced): retry them."""
    _flush_pending_files(run_pk)
    with transaction.atomic():
        run = ErasureRun.objects.select_for_update().get(pk=run_pk)
        if run.certificate:
            certificate_files_update(run.certificate, run.progress)
            run.save(update_fields=["certificate", "updated_at"])
    if run.progress.get("pending_files"):
        raise FilesPending(f"{len(run.progress['pending_files'])} file(s) of erased rows could not be deleted yet")
    return run
