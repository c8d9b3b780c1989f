"""Running an export: request it (one at a time per subject, never during an erasure), build
and store the archive, tell the customer; expire old files. Each build is a background job
(apps/core/jobs/): its lease, heartbeat, attempts and the one reconciler are the machinery's."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core.actors import SystemActor, actor_label
from apps.core.jobs import Heartbeat, job_enqueue, job_run_here
from apps.personal_data.export.archive import build_archive
from apps.personal_data.export.output import SpooledArchive, temporary_path
from apps.personal_data.models import DataExport, ErasureRun

if TYPE_CHECKING:
    from apps.accounts.models import User  # the subject; AUTH_USER_MODEL at run time

logger = logging.getLogger(__name__)

EXPORT_LIFETIME = timedelta(days=7)
ACTIVE = (DataExport.Status.PENDING, DataExport.Status.RUNNING)
# The background job that builds an export (apps/core/jobs/; its kind is registered by tasks.py).
EXPORT_JOB = DataExport.JOB_KIND
# A build that kills its worker every time ends here (the job's max_attempts).
MAX_ATTEMPTS = 5
# Off while a caller that tells the customer itself builds an export here (a subject request's
# answer carries the download link): one email per event, not the export's and the request's.
_EMAIL_READY: contextvars.ContextVar[bool] = contextvars.ContextVar("export_email_ready", default=True)


@contextlib.contextmanager
def export_ready_email_left_to_caller() -> Iterator[None]:
    """Build exports in this block without their "ready to download" email: the caller sends
    the one email of the event (it is decided when the export becomes ready, inside the block)."""
    token = _EMAIL_READY.set(False)
    try:
        yield
    finally:
        _EMAIL_READY.reset(token)


def export_request(
    *, subject: User, actor: User | SystemActor, enqueue: bool = True, reuse_active: bool = True
) -> DataExport:
    """Start an export of ``subject``'s data; an export already under way is returned instead,
    unless ``reuse_active`` is False: an access request whose systems answered needs one of its
    own (one already running was started without the request's systems/ folders).

    ``enqueue=False`` is for callers that run ``export_run`` themselves (manage.py
    export_subject without --wait), so no worker or broker is needed.
    """
    with transaction.atomic():
        # Lock the subject's row so two clicks cannot start two exports.
        get_user_model().objects.select_for_update().filter(pk=subject.pk).first()
        erasing = ErasureRun.objects.filter(
            subject_id=subject.pk,
            status__in=(ErasureRun.Status.PENDING, ErasureRun.Status.RUNNING),
            dry_run=False,
        )
        if erasing.exists():
            # The account is being erased: a copy made now would outlive the data it copies.
            raise ValidationError(
                _("Your account is being deleted, so a download of your data can no longer be prepared."),
                code="erasure_in_progress",
            )
        active = DataExport.objects.filter(subject=subject, status__in=ACTIVE).first() if reuse_active else None
        if active is not None:
            return active
        export = DataExport(
            subject=subject,
            language=subject.preferred_language or settings.LANGUAGE_CODE,
            requested_by=actor if isinstance(actor, get_user_model()) else None,
        )
        export.full_clean()
        export.save()
        logger.info("export %s requested for a subject by %s", export.reference, actor_label(actor))
        # Written with the export, sent to a worker after commit (the job is the outbox).
        job_enqueue(kind=EXPORT_JOB, target=export.pk, dispatch=enqueue)
    return export


def export_build_here(export: DataExport) -> DataExport:
    """Build ``export`` in this process now (a command, a request's execution): through its
    job, so a worker already building it is left to finish and attempts are counted."""
    job_run_here(kind=EXPORT_JOB, target=export.pk)
    return DataExport.objects.get(pk=export.pk)


def export_run(*, export_id: int, heartbeat: Heartbeat | None = None) -> DataExport:
    """Build the archive of one export (its job's work). Safe to run twice: a READY export
    returns at once; one a dead worker left RUNNING is built again."""
    with transaction.atomic():
        export = DataExport.objects.select_for_update().select_related("subject").get(pk=export_id)
        if export.status in (DataExport.Status.READY, DataExport.Status.EXPIRED, DataExport.Status.FAILED):
            return export
        if export.file.name:
            # A file an earlier attempt stored and then died before finishing (see below).
            export.file.storage.delete(export.file.name)
            export.file.name = ""
        export.status = DataExport.Status.RUNNING
        export.last_error = ""
        export.save(update_fields=["status", "last_error", "file", "updated_at"])

    subject = export.subject
    name = ""
    path = ""
    try:
        path = temporary_path(_temp_dir())
        with open(path, "wb") as raw:
            # Moved rather than copied into storage below (export/output.py): a gigabyte of
            # files is written once.
            built = build_archive(raw, subject=subject, export=export, heartbeat=heartbeat)
        size = os.path.getsize(path)
        # A random name: the stored path says nothing about whose data it is. It is
        # written on the export's row before the file is stored, so a worker killed
        # between storing the file and finishing leaves no file nobody knows of: the next
        # attempt deletes it, and so would the subject's erasure.
        name = _reserve_file_name(export)
        if not name:
            return DataExport.objects.filter(pk=export.pk).first() or export
        spooled = SpooledArchive(path)
        try:
            stored = export.file.storage.save(name, spooled)
        finally:
            spooled.close()
        assert stored == name, "a reserved name is free: nothing else writes it"
    except Exception as exc:
        logger.exception("export %s failed", export.reference)
        # Not over a READY export: another delivery of the same task may have finished it.
        DataExport.objects.filter(pk=export.pk).exclude(status=DataExport.Status.READY).update(
            status=DataExport.Status.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:2000], updated_at=timezone.now()
        )
        if name:
            export.file.storage.delete(name)
        return DataExport.objects.filter(pk=export.pk).first() or export
    finally:
        # Gone already when storage moved it into place.
        if path:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    with transaction.atomic():
        current = DataExport.objects.select_for_update().filter(pk=export.pk).first()
        if current is None:
            # The export was deleted while it was built (the subject was erased): no orphan file.
            export.file.storage.delete(name)
            return export
        if current.status == DataExport.Status.READY or current.file.name != name:
            # Another delivery of the same task finished first, or took the build over:
            # its file is the export's.
            export.file.storage.delete(name)
            return current
        current.file.name = name
        current.status = DataExport.Status.READY
        current.size_bytes = size
        current.manifest_sha256 = built.manifest_sha256
        current.record_counts = built.counts
        current.expires_at = timezone.now() + EXPORT_LIFETIME
        current.save()
        if _EMAIL_READY.get():
            transaction.on_commit(lambda: _email_ready(current.pk))
    return current


def _reserve_file_name(export: DataExport) -> str:
    """Record on the export's row the name its file is about to be stored under ("" when the
    export was finished or deleted meanwhile)."""
    with transaction.atomic():
        current = DataExport.objects.select_for_update().filter(pk=export.pk).first()
        if current is None or current.status != DataExport.Status.RUNNING:
            return ""
        name = current.file.storage.get_available_name(f"exports/{uuid.uuid4().hex}.zip")
        if current.file.name and current.file.name != name:
            current.file.storage.delete(current.file.name)  # a taken-over attempt's
        current.file.name = name
        current.save(update_fields=["file", "updated_at"])
    return name


def exports_delete_expired(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Delete the files of exports past their expiry and mark them EXPIRED (daily beat job)."""
    now = now or timezone.now()
    expired = DataExport.objects.filter(expires_at__lte=now).exclude(status=DataExport.Status.EXPIRED)
    if dry_run:
        return expired.count()
    done = 0
    for export in expired.iterator(chunk_size=500):
        with transaction.atomic():
            locked = DataExport.objects.select_for_update().filter(pk=export.pk).first()
            if locked is None or locked.status == DataExport.Status.EXPIRED:
                continue
            if locked.file:
                locked.file.delete(save=False)
            locked.status = DataExport.Status.EXPIRED
            locked.size_bytes = 0
            locked.save(update_fields=["file", "status", "size_bytes", "updated_at"])
            done += 1
    return done


def export_mark_failed(*, export_id: int, error: str) -> DataExport | None:
    """Its job gave up (attempts used up): the customer sees it failed, officers see why."""
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status in (DataExport.Status.READY, DataExport.Status.EXPIRED):
            return export
        export.status = DataExport.Status.FAILED
        export.last_error = error[:2000]
        export.save(update_fields=["status", "last_error", "updated_at"])
        return export


def _temp_dir() -> str | None:
    return getattr(settings, "PERSONAL_DATA_EXPORT_TEMP_DIR", None) or None


def _email_ready(export_id: int) -> None:
    export = DataExport.objects.select_related("subject").filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.READY:
        return
    subject = export.subject
    if not subject.email or not subject.is_active:
        return
    with (
        translation.override(export.language or subject.preferred_language),
        timezone.override(subject.local_time_zone),
    ):
        context = {
            "user": subject,
            "export": export,
            "url": settings.SITE_URL.rstrip("/") + reverse("personal_data:data"),
            "expires_at": export.expires_at,
        }
        title = render_to_string("personal_data/email/export_ready_subject.txt", context).strip()
        body = render_to_string("personal_data/email/export_ready_body.txt", context)
    try:
        send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + title, body, settings.DEFAULT_FROM_EMAIL, [subject.email])
    except Exception:  # the export is ready either way; the page shows it
        logger.exception("could not email export %s", export.reference)
