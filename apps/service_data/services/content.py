"""Writes of the customer's content: uploads, deletions, and the optional kinds they refuse or
allow again (P-38: refusing deletes what was given).

Rows leave through the erasure engine's own batch (``apply_batch``: the rows and their history
rows, raw, in one transaction) and their files after the commit, each as a background job
(apps/core/jobs/) that is tried again, with backoff, until the storage has deleted it: the
same guarantees as an erasure, for a smaller selection.
"""

from __future__ import annotations

import hashlib
import logging
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from apps.core.actors import SystemActor, actor_label, record_actor
from apps.core.files import save_with_file
from apps.core.jobs import RetryLater, job_dispatch, job_enqueue, job_live, job_run_here
from apps.personal_data.domain import subject_reference
from apps.personal_data.erasure.batches import apply_batch
from apps.personal_data.erasure.plan import table_plan
from apps.personal_data.registry import entry_for, holds_for
from apps.service_data.domain.content import ALLOWED_TYPES, HEAD_BYTES, TEXT, TextCheck, accepted_names, detect_type
from apps.service_data.domain.content import type_for_kind as _type_for_kind
from apps.service_data.models import (
    CalendarEntry,
    ContentItem,
    LocationRecord,
    OptionalKind,
    OptionalKindRefusal,
    SharedPost,
)
from apps.service_data.models.content import content_storage
from apps.service_data.selectors.content import content_kind_for, optional_kind_refused

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

# The background job that deletes one stored file of a deleted content item; its target is
# the file's name in the "content" storage (apps/service_data/tasks.py registers it).
CONTENT_FILE_JOB = "service_data.content_file_delete"


# --- Uploads ------------------------------------------------------------------------------


def content_upload(
    *, owner: User, kind: str, title: str, uploaded_file: UploadedFile, actor: User | SystemActor
) -> ContentItem:
    """Keep a file the customer gives us, once its content (not its name) shows it is a type
    ``kind`` accepts and it is within that kind's size (settings.CONTENT_UPLOAD_MAX_BYTES).

    The file is read in chunks, never whole: its SHA-256 and size are computed as it streams
    (a large upload is already a temporary file on disk: Django's TemporaryFileUploadHandler).
    Errors are ValidationErrors keyed by the form field they concern.

    Not one transaction: the bytes travel to storage with no database lock held (SQLite's
    writers would all wait for a 2 GB video); the row and its history are saved together
    after (apps/core/files.save_with_file), and the file deleted if they cannot be.
    """
    if kind not in ContentItem.Kind.values:
        raise ValidationError({"kind": _("Choose what kind of file this is.")})
    optional = ContentItem.OPTIONAL.get(ContentItem.Kind(kind))
    if optional is not None and optional_kind_refused(owner, optional):
        raise _refused(optional)
    limit = settings.CONTENT_UPLOAD_MAX_BYTES[kind]
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise ValidationError({"file": ValidationError(_too_large(kind, limit), code="too_large")})

    uploaded_file.seek(0)
    head = uploaded_file.read(HEAD_BYTES)
    content_type = _type_for_kind(kind, detect_type(head, uploaded_file))
    if content_type is None:
        raise ValidationError({"file": ValidationError(_not_accepted(kind), code="type")})
    sha256, crc32, size, text_ok = _digest(uploaded_file, text=content_type == TEXT)
    if size == 0:
        raise ValidationError({"file": ValidationError(_("The file is empty."), code="empty")})
    if size > limit:
        raise ValidationError({"file": ValidationError(_too_large(kind, limit), code="too_large")})
    if not text_ok:
        raise ValidationError({"file": ValidationError(_not_accepted(kind), code="type")})

    original_name = PurePosixPath((uploaded_file.name or "").replace("\\", "/")).name or "file"
    item = ContentItem(
        owner=owner,
        kind=kind,
        title=(title or "").strip() or PurePosixPath(original_name).stem[:200] or str(ContentItem.Kind(kind).label),
        original_name=original_name[:255],
        content_type=content_type,
        size=size,
        sha256=sha256,
        crc32=crc32,
    )
    record_actor(item, actor=actor, reason="uploaded")
    uploaded_file.seek(0)
    # The stored name is random (content_path); the extension is the one of the detected type.
    save_with_file(item, "file", f"upload{ALLOWED_TYPES[kind][content_type]}", uploaded_file)
    if optional is not None:
        # Refused while the file travelled: it goes again at once. Both this check and the
        # refusal lock the account's row, so one of them always sees the other.
        with transaction.atomic():
            _lock_subject(owner)
            if optional_kind_refused(owner, optional):
                subject_rows_delete(ContentItem.objects.filter(pk=item.pk), subject=owner, actor=actor)
                refused = True
            else:
                refused = False
        if refused:
            raise _refused(optional)
    return item


def _refused(optional: str) -> ValidationError:
    message = _(
        "You chose not to give us %(kind)s. To upload one, allow them again under “Optional data” on this page."
    ) % {"kind": OptionalKind(optional).label.lower()}
    return ValidationError({"kind": ValidationError(message, code="refused")})


def _lock_subject(subject: User) -> None:
    get_user_model()._base_manager.select_for_update().filter(pk=subject.pk).first()


def _digest(uploaded_file: UploadedFile, *, text: bool) -> tuple[str, int, int, bool]:
    """SHA-256, CRC-32 (what the export checks its copy against), size, and whether text is text."""
    digest, crc, size, check = hashlib.sha256(), 0, 0, TextCheck() if text else None
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
        if check is not None:
            check.feed(chunk)
    if check is not None:
        check.feed(b"", final=True)
    return digest.hexdigest(), crc, size, check is None or check.ok


def _too_large(kind: str, limit: int) -> str:
    return _("The file is too large: files under “%(kind)s” may be up to %(limit)s.") % {
        "kind": ContentItem.Kind(kind).label,
        "limit": filesizeformat(limit),
    }


def _not_accepted(kind: str) -> str:
    return _(
        "We do not accept this file under “%(kind)s”: its content is none of %(types)s. "
        "(We look at what the file contains, not at its name.)"
    ) % {"kind": ContentItem.Kind(kind).label, "types": accepted_names(kind)}


# --- Deleting what was given ---------------------------------------------------------------


@dataclass(frozen=True)
class Deleted:
    rows: int
    files: int
    # Rows of a category under a legal hold stay until the hold ends (the erasure rule).
    held: bool = False


@transaction.atomic
def content_delete(*, item: ContentItem, actor: User | SystemActor) -> Deleted:
    """The customer deletes one of their files: the row, its history and the stored file."""
    return subject_rows_delete(ContentItem.objects.filter(pk=item.pk), subject=item.owner, actor=actor)


@transaction.atomic
def shared_post_delete(*, post: SharedPost, actor: User | SystemActor) -> Deleted:
    """The customer deletes something they shared, with its history; its picture stays among
    their files (they delete it there if they wish)."""
    return subject_rows_delete(SharedPost.objects.filter(pk=post.pk), subject=post.author, actor=actor)


def subject_rows_delete(rows: models.QuerySet, *, subject: User, actor: User | SystemActor) -> Deleted:
    """Delete some of ``subject``'s rows as erasure would: history scrubbed, files deleted after
    commit (retried), nothing deleted where a legal hold covers the table's data. Call it in a
    transaction."""
    entry = entry_for(rows.model)
    assert entry is not None, f"{rows.model._meta.label} is not in the personal-data registry"
    plan = table_plan(entry, reference=subject_reference(subject), holds=holds_for(subject))
    if plan.mode != "delete":
        return Deleted(rows=0, files=0, held=True)
    if rows.model is ContentItem:
        # Shared posts keep their text when their picture goes (the FK's SET_NULL, done by
        # hand: the batch below deletes raw, without Django's cascade).
        SharedPost.objects.filter(picture__in=rows).update(picture=None)
    applied = apply_batch(plan, rows)
    names = [f["name"] for f in applied.files if f["model"] == ContentItem._meta.label and f["field"] == "file"]
    # The outbox: one job per file, committed with the deletion, so a file whose delete
    # fails (or whose process dies right after the commit) is still deleted later.
    for name in names:
        job_enqueue(kind=CONTENT_FILE_JOB, target=name, dispatch=False)
    transaction.on_commit(lambda: _delete_files_now(names))
    logger.info(
        "Deleted %s %s row(s) and %s file(s) of a subject, by %s",
        applied.rows,
        rows.model._meta.label,
        len(names),
        actor_label(actor),  # a label (a role, "customer"), never the person's email
    )
    return Deleted(rows=applied.rows, files=len(names))


def _delete_files_now(names: list[str]) -> None:
    """After the commit: delete each file here; one the storage refused goes to a worker,
    which tries again with backoff (and the reconciler, if the broker is away too)."""
    for name in names:
        try:
            job_run_here(kind=CONTENT_FILE_JOB, target=name)
        except Exception:
            # RetryLater, or the database briefly away: the customer's deletion has happened
            # and its job is queued; a worker (or the reconciler) finishes the file.
            logger.info("A deleted content file is left to its job", exc_info=True)
            try:
                job = job_live(kind=CONTENT_FILE_JOB, target=name)
                if job is not None:
                    job_dispatch(job.pk)
            except Exception:
                logger.warning("Could not send a content file's job now; the reconciler will")


def content_file_delete(*, name: str) -> None:
    """One stored file of a deleted content item: gone from the storage, or RetryLater."""
    try:
        content_storage().delete(name)
    except OSError as exc:
        raise RetryLater(f"the content storage could not delete a file yet: {exc}") from exc


# --- Optional kinds (P-38) -----------------------------------------------------------------


def _given_rows(subject: User, kind: str) -> models.QuerySet:
    if kind == OptionalKind.CALENDAR:
        return CalendarEntry.objects.filter(owner=subject)
    if kind == OptionalKind.LOCATION:
        return LocationRecord.objects.filter(owner=subject)
    return ContentItem.objects.filter(owner=subject, kind=content_kind_for(kind))


@transaction.atomic
def optional_kind_refuse(*, subject: User, kind: str, actor: User | SystemActor) -> Deleted:
    """The customer refuses to give data of an optional kind: the refusal is recorded (with
    its history), what they gave of that kind is deleted in the same transaction and its
    files after the commit, and nothing more of it is taken until they allow it again."""
    if kind not in OptionalKind.values:
        raise ValidationError({"kind": _("There is no such optional data.")})
    _lock_subject(subject)  # an upload of this kind under way checks again (content_upload)
    if not optional_kind_refused(subject, kind):
        refusal = OptionalKindRefusal(subject=subject, kind=kind)
        record_actor(refusal, actor=actor, reason="refused by the customer")
        refusal.full_clean()
        try:
            with transaction.atomic():
                refusal.save()
        except IntegrityError:
            pass  # refused at the same moment in another tab: that refusal stands
    return subject_rows_delete(_given_rows(subject, kind), subject=subject, actor=actor)


@transaction.atomic
def optional_kind_allow(*, subject: User, kind: str, actor: User | SystemActor) -> bool:
    """The customer allows an optional kind again; False if it was not refused."""
    if kind not in OptionalKind.values:
        raise ValidationError({"kind": _("There is no such optional data.")})
    refusal = OptionalKindRefusal.objects.select_for_update().filter(subject=subject, kind=kind).first()
    if refusal is None:
        return False
    record_actor(refusal, actor=actor, reason="allowed again by the customer")
    refusal.delete()
    return True
