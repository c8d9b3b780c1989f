"""The export engine: one subject's data, from the registry, as a ZIP in private storage.

The archive (DESIGN.md, "The flow of personal data"):

* ``index.html``: a page a person can read, in their own language, saying what each file
  holds, who the controller is and what was left out and why;
* ``<category>.json``: one file per registry category, holding, for every exported entry
  with fields in that category, the subject's rows (registered personal fields only, plus
  the row's opaque ``reference`` where it has one; never integer ids);
* ``tables/<app>_<model>.csv``: every exported field of tabular entries (login history,
  sessions, follows...), for spreadsheets;
* ``manifest.json``: controller, time, pseudonymous subject reference, categories, and the
  record count and sha256 of every other file.

Memory stays flat however many rows a subject has: rows are read with
``values_list().iterator(chunk_size=...)``, foreign keys are resolved one chunk at a time,
and every file is written incrementally into its ZIP entry, the ZIP itself going to a
temporary file that is then saved to the default (private) storage.

Later apps add notes about records they withhold (e.g. disclosures kept from the subject
under an exemption) by appending a provider to ``EXPORT_NOTES``, and tables of records that
are not registry rows (e.g. the disclosure register, filtered for the subject) by appending
a provider to ``EXPORT_TABLES``: each table becomes ``<stem>.json`` and ``tables/<stem>.csv``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import re
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import PublicProfile, User
from apps.accounts.selectors import organisation_get
from apps.core.actors import SystemActor
from apps.personal_data.domain import subject_reference
from apps.personal_data.models import DataExport, ErasureRun
from apps.personal_data.registry import Category, Entry, PersonalField, entries

logger = logging.getLogger(__name__)

FORMAT_VERSION = "portal-export/1"
CHUNK_SIZE = 2000
EXPORT_LIFETIME = timedelta(days=7)
TOKEN_SALT = "apps.personal_data.exports.download"
TOKEN_MAX_AGE = EXPORT_LIFETIME
ACTIVE = (DataExport.Status.PENDING, DataExport.Status.RUNNING)
# A build that kills its worker every time is redelivered for ever under acks_late: it ends here.
MAX_ATTEMPTS = 5
JSON = DjangoJSONEncoder(ensure_ascii=False)


# --- Notes from other apps ------------------------------------------------------------


@dataclass(frozen=True)
class ExportNote:
    """A statement in the export about records that exist but are left out (or summarised).

    ``category`` is a registry Category value (or "" for a general note); ``text`` is
    shown to the person as is, so providers translate it (they run under the subject's
    language).
    """

    category: str
    title: str
    text: str
    count: int | None = None


# Providers: subject -> notes. The disclosures app appends one for withheld disclosure
# records ("withheld records are left out with a note"); nothing registers yet.
EXPORT_NOTES: list[Callable[[User], Iterable[ExportNote]]] = []


@dataclass(frozen=True)
class ExportTable:
    """Records another app adds to the export, written as ``<stem>.json`` and ``tables/<stem>.csv``.

    ``rows`` is called once per file and returns the rows, each a sequence in ``columns``
    order (stream them: an iterator over a queryset keeps memory flat). ``title`` is shown
    to the person, so providers translate it. The provider decides what the subject may see
    (the disclosures app leaves out withheld records and says so through EXPORT_NOTES).
    """

    stem: str
    title: str
    columns: Sequence[str]
    rows: Callable[[], Iterable[Sequence[Any]]]


# Providers: subject -> tables. The disclosures app appends one for the subject's visible
# disclosure records (P-22).
EXPORT_TABLES: list[Callable[[User], Iterable[ExportTable]]] = []


# --- Requesting and running --------------------------------------------------------------


def export_request(*, subject: User, actor: User | SystemActor, enqueue: bool = True) -> DataExport:
    """Start an export of ``subject``'s data; an export already under way is returned instead.

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
        active = DataExport.objects.filter(subject=subject, status__in=ACTIVE).first()
        if active is not None:
            return active
        export = DataExport(subject=subject, language=subject.preferred_language or settings.LANGUAGE_CODE)
        export.full_clean()
        export.save()
        logger.info("export %s requested for a subject by %s", export.reference, actor)
        if enqueue:
            from apps.personal_data.tasks import export_subject_task

            # PortalTask is not Celery's DjangoTask (no delay_on_commit): the same, by hand.
            transaction.on_commit(lambda pk=export.pk: export_subject_task.delay(pk))
    return export


def export_run(*, export_id: int) -> DataExport:
    """Build the archive of one export. Safe to run twice: a READY export returns at once."""
    with transaction.atomic():
        export = DataExport.objects.select_for_update().select_related("subject").get(pk=export_id)
        if export.status in (DataExport.Status.READY, DataExport.Status.EXPIRED):
            return export
        if export.attempts >= MAX_ATTEMPTS:
            export.status = DataExport.Status.FAILED
            export.last_error = (
                f"Gave up after {export.attempts} attempts. Last error: {export.last_error or '(none recorded)'}"
            )[:2000]
            export.save(update_fields=["status", "last_error", "updated_at"])
            return export
        export.status = DataExport.Status.RUNNING
        export.attempts += 1
        export.last_error = ""
        export.save(update_fields=["status", "attempts", "last_error", "updated_at"])

    subject = export.subject
    name = ""
    try:
        with tempfile.TemporaryFile(dir=_temp_dir()) as archive:
            counts = build_archive(archive, subject=subject, export=export)
            archive.seek(0)
            digest, size = _sha256_of(archive)
            archive.seek(0)
            # A random name: the stored path says nothing about whose data it is.
            name = export.file.storage.save(f"exports/{uuid.uuid4().hex}.zip", File(archive))
    except Exception as exc:
        logger.exception("export %s failed", export.reference)
        # Not over a READY export: another delivery of the same task may have finished it.
        DataExport.objects.filter(pk=export.pk).exclude(status=DataExport.Status.READY).update(
            status=DataExport.Status.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:2000], updated_at=timezone.now()
        )
        if name:
            export.file.storage.delete(name)
        return DataExport.objects.filter(pk=export.pk).first() or export

    with transaction.atomic():
        current = DataExport.objects.select_for_update().filter(pk=export.pk).first()
        if current is None:
            # The export was deleted while it was built (the subject was erased): no orphan file.
            export.file.storage.delete(name)
            return export
        if current.status == DataExport.Status.READY:
            # Another delivery of the same task finished first: keep its file.
            export.file.storage.delete(name)
            return current
        current.file.name = name
        current.status = DataExport.Status.READY
        current.size_bytes = size
        current.sha256 = digest
        current.record_counts = counts
        current.expires_at = timezone.now() + EXPORT_LIFETIME
        current.save()
        transaction.on_commit(lambda: _email_ready(current.pk))
    return current


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


def exports_requeue_stuck(*, older_than: timedelta = timedelta(minutes=30), dry_run: bool = False) -> list[int]:
    """Re-enqueue exports left PENDING or RUNNING by a worker that died (see erasure_requeue_stuck)."""
    from apps.personal_data.tasks import export_subject_task

    cutoff = timezone.now() - older_than
    with transaction.atomic():
        stuck = list(
            DataExport.objects.select_for_update()
            .filter(status__in=[DataExport.Status.PENDING, DataExport.Status.RUNNING], updated_at__lte=cutoff)
            .values_list("pk", flat=True)
        )
        if dry_run:
            return stuck
        DataExport.objects.filter(pk__in=stuck).update(updated_at=timezone.now())
        for pk in stuck:
            transaction.on_commit(lambda pk=pk: export_subject_task.delay(pk))
    return stuck


# --- Reads ------------------------------------------------------------------------------


def exports_for_subject(*, subject: User) -> QuerySet[DataExport]:
    # select_related: each READY row's download token names its owner.
    return DataExport.objects.filter(subject=subject).select_related("subject").order_by("-created_at", "-pk")


# --- Download tokens ----------------------------------------------------------------------


class DownloadError(Exception):
    """A download link that cannot be honoured; ``status`` is the HTTP status to answer."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadToken(DownloadError):
    status = 400


class NotFound(DownloadError):
    status = 404


class Gone(DownloadError):
    status = 410


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=TOKEN_SALT)


def export_download_token(export: DataExport) -> str:
    """A signed link token: which export, whose, and when (checked by export_for_download)."""
    return _signer().sign_object({"e": str(export.reference), "u": str(export.subject.reference)})


def export_for_download(*, token: str, user: User) -> DataExport:
    """The READY export ``token`` names, if it belongs to ``user``; else a DownloadError."""
    try:
        payload = _signer().unsign_object(token, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise Gone(_("This download link has expired. Prepare a new download of your data.")) from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadToken(_("This download link is not valid. Use the link on the Your data page.")) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str):
        raise BadToken(_("This download link is not valid. Use the link on the Your data page."))
    not_yours = NotFound(_("There is no download of yours at this link."))
    if payload.get("u") != str(user.reference):
        raise not_yours
    try:
        reference = uuid.UUID(payload["e"])
    except ValueError as exc:
        raise BadToken(_("This download link is not valid. Use the link on the Your data page.")) from exc
    export = DataExport.objects.filter(reference=reference, subject=user).first()
    if export is None:
        raise not_yours
    if export.status == DataExport.Status.EXPIRED or (export.expires_at and export.expires_at <= timezone.now()):
        raise Gone(_("This download has expired and its file was deleted. Prepare a new download of your data."))
    if export.status != DataExport.Status.READY or not export.file:
        raise NotFound(_("This download is not ready yet."))
    return export


# --- Building the archive ----------------------------------------------------------------


def _temp_dir() -> str | None:
    return getattr(settings, "PERSONAL_DATA_EXPORT_TEMP_DIR", None) or None


def _sha256_of(handle) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while block := handle.read(1024 * 1024):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


class _Sink:
    """Text written into one ZIP entry, encoded, hashed and counted on the way."""

    BUFFER = 64 * 1024

    def __init__(self, raw) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0
        self._parts: list[str] = []
        self._pending = 0

    def write(self, text: str) -> int:
        self._parts.append(text)
        self._pending += len(text)
        if self._pending >= self.BUFFER:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if not self._parts:
            return
        data = "".join(self._parts).encode()
        self._parts.clear()
        self._pending = 0
        self.digest.update(data)
        self.size += len(data)
        self.raw.write(data)


@dataclass
class FileInfo:
    name: str
    records: int
    sha256: str
    bytes: int


def _entry_info(name: str) -> zipfile.ZipInfo:
    # ZIP entries carry a wall-clock time with no zone; UTC, as manifest.json's times say.
    # (ZipFile.writestr with a bare name would take the server process's local time.)
    info = zipfile.ZipInfo(name, date_time=timezone.now().astimezone(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


class _Archive:
    def __init__(self, zf: zipfile.ZipFile, on_file: Callable[[], None] | None = None) -> None:
        self.zf = zf
        self.files: list[FileInfo] = []
        self.on_file = on_file

    def write(self, name: str, writer: Callable[[_Sink], int]) -> FileInfo:
        info = _entry_info(name)
        with self.zf.open(info, "w", force_zip64=True) as raw:
            sink = _Sink(raw)
            records = writer(sink)
            sink.flush()
        entry = FileInfo(name=name, records=records, sha256=sink.digest.hexdigest(), bytes=sink.size)
        self.files.append(entry)
        if self.on_file is not None:
            self.on_file()
        return entry


def _exported_entries() -> list[Entry]:
    return sorted((e for e in entries() if e.export), key=lambda e: e.label)


def _has_reference(entry: Entry) -> bool:
    return any(f.name == "reference" for f in entry.model._meta.concrete_fields)


def _chunks(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _related_labels(model_field: models.ForeignKey, ids: set, subject: User) -> dict:
    related = model_field.related_model
    if related is get_user_model():
        # Other people are not the subject's data (GDPR Art. 15(4)): they appear by the
        # public handle they chose to show, or not at all.
        labels: dict = dict.fromkeys(ids, _("another customer"))
        labels.update(
            PublicProfile.objects.filter(user_id__in=ids, show_display_name=True).values_list("user_id", "handle")
        )
        if subject.pk in ids:
            labels[subject.pk] = str(subject)
        return labels
    key = model_field.target_field.name
    return {getattr(obj, key): str(obj) for obj in related._default_manager.filter(**{f"{key}__in": ids})}


def _rows(entry: Entry, subject: User, personal: list[PersonalField]) -> Iterator[dict[str, Any]]:
    """The subject's rows of ``entry``: the given personal fields (plus reference), in pk order."""
    model = entry.model
    names: list[str] = ["reference"] if _has_reference(entry) else []
    columns: list[str] = list(names)
    fks: list[tuple[int, models.ForeignKey]] = []
    for personal_field in personal:
        model_field = model._meta.get_field(personal_field.name)
        if model_field.many_to_one or model_field.one_to_one:
            fks.append((len(columns), model_field))  # type: ignore[arg-type]
            columns.append(model_field.attname)  # type: ignore[union-attr]
        else:
            columns.append(personal_field.name)
        names.append(personal_field.name)
    queryset = model._default_manager.filter(entry.subject_q(subject)).order_by("pk").values_list(*columns)
    for batch in _chunks(queryset.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        labels = {
            index: _related_labels(model_field, {row[index] for row in batch if row[index] is not None}, subject)
            for index, model_field in fks
        }
        for row in batch:
            values = list(row)
            for index, found in labels.items():
                if values[index] is not None:
                    values[index] = found.get(values[index], "")
            yield dict(zip(names, values, strict=True))


def _source_header(entry: Entry, personal: list[PersonalField]) -> dict[str, Any]:
    meta = entry.model._meta
    return {
        "source": meta.label,
        "name": str(meta.verbose_name_plural),
        "purpose": entry.purpose,
        "fields": [
            {"name": f.name, "label": str(meta.get_field(f.name).verbose_name), "category": str(f.category)}
            for f in personal
        ],
    }


def _write_category(sink: _Sink, category: Category, subject: User, sources: list[tuple[Entry, list]]) -> int:
    records = 0
    sink.write('{"category": ' + JSON.encode(str(category.value)))
    sink.write(', "label": ' + JSON.encode(str(category.label)) + ', "sources": [')
    for position, (entry, personal) in enumerate(sources):
        header = JSON.encode(_source_header(entry, personal))
        sink.write(("," if position else "") + "\n " + header[:-1] + ', "records": [')
        first = True
        for row in _rows(entry, subject, personal):
            sink.write(("" if first else ",") + "\n  " + JSON.encode(row))
            first = False
            records += 1
        sink.write("]}")
    sink.write("\n]}\n")
    return records


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return JSON.encode(value)
    return value


def _write_csv(sink: _Sink, entry: Entry, subject: User) -> int:
    personal = list(entry.fields)
    writer = csv.writer(sink)
    header = (["reference"] if _has_reference(entry) else []) + [f.name for f in personal]
    writer.writerow(header)
    records = 0
    for row in _rows(entry, subject, personal):
        writer.writerow([_csv_value(v) for v in row.values()])
        records += 1
    return records


def _write_text(sink: _Sink, text: str) -> int:
    sink.write(text)
    return 0


def _csv_name(entry: Entry) -> str:
    return f"tables/{entry.model._meta.app_label}_{entry.model._meta.model_name}.csv"


def _table_stem(table: ExportTable) -> str:
    # A stem must not overwrite a category file or escape the archive's layout.
    if not re.fullmatch(r"[a-z][a-z0-9_]*", table.stem) or table.stem in Category.values or table.stem == "manifest":
        raise ValueError(f"export table stem {table.stem!r} is not a plain name of its own")
    return table.stem


def _write_table_json(sink: _Sink, table: ExportTable) -> int:
    # The shape of the category files: one source, its fields, its records.
    header = {"source": table.stem, "name": str(table.title), "fields": [{"name": c} for c in table.columns]}
    sink.write('{"label": ' + JSON.encode(str(table.title)) + ', "sources": [')
    sink.write("\n " + JSON.encode(header)[:-1] + ', "records": [')
    records = 0
    for row in table.rows():
        sink.write(("," if records else "") + "\n  " + JSON.encode(dict(zip(table.columns, row, strict=True))))
        records += 1
    sink.write("]}\n]}\n")
    return records


def _write_table_csv(sink: _Sink, table: ExportTable) -> int:
    writer = csv.writer(sink)
    writer.writerow(table.columns)
    records = 0
    for row in table.rows():
        writer.writerow([_csv_value(v) for v in row])
        records += 1
    return records


def _heartbeat(export: DataExport) -> None:
    """Show the reconciler that this build is alive (it re-queues only exports idle for long)."""
    if export.pk is not None:
        DataExport.objects.filter(pk=export.pk, status=DataExport.Status.RUNNING).update(updated_at=timezone.now())


def build_archive(out, *, subject: User, export: DataExport) -> dict[str, int]:
    """Write the ZIP for ``subject`` into the binary file ``out``; returns records per file."""
    language = export.language or subject.preferred_language or settings.LANGUAGE_CODE
    generated_at = timezone.now()
    with translation.override(language), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        archive = _Archive(zf, on_file=lambda: _heartbeat(export))
        exported = _exported_entries()
        categories = []
        for category in Category:
            sources = [(e, [f for f in e.fields if f.category == category]) for e in exported]
            sources = [(e, fields) for e, fields in sources if fields]
            if not sources:
                continue
            info = archive.write(
                f"{category.value}.json",
                lambda sink, c=category, s=sources: _write_category(sink, c, subject, s),
            )
            categories.append(
                {
                    "code": category.value,
                    "label": str(category.label),
                    "file": info.name,
                    "records": info.records,
                    "sources": [str(e.model._meta.verbose_name_plural) for e, _fields in sources],
                }
            )
        tables = []
        for entry in (e for e in exported if e.tabular):
            info = archive.write(_csv_name(entry), lambda sink, e=entry: _write_csv(sink, e, subject))
            tables.append(
                {"file": info.name, "label": str(entry.model._meta.verbose_name_plural), "records": info.records}
            )
        sections = []
        for table in (t for provider in EXPORT_TABLES for t in provider(subject)):
            stem = _table_stem(table)
            info = archive.write(f"{stem}.json", lambda sink, t=table: _write_table_json(sink, t))
            sections.append(
                {"label": str(table.title), "file": info.name, "records": info.records, "sources": [str(table.title)]}
            )
            info = archive.write(f"tables/{stem}.csv", lambda sink, t=table: _write_table_csv(sink, t))
            tables.append({"file": info.name, "label": str(table.title), "records": info.records})

        notes = [note for provider in EXPORT_NOTES for note in provider(subject)]
        controller = organisation_get()
        reference = subject_reference(subject)
        index_html = render_to_string(
            "personal_data/export_index.html",
            {
                "controller": controller,
                "generated_at": generated_at,
                "subject": subject,
                "subject_reference": reference,
                "categories": categories + sections,
                "tables": tables,
                "notes": notes,
                "language": language,
            },
        )
        archive.write("index.html", lambda sink: _write_text(sink, index_html))
        manifest = {
            "format": FORMAT_VERSION,
            "export_reference": str(export.reference),
            "generated_at": generated_at.isoformat(),
            "language": language,
            "controller": asdict(controller) if controller else None,
            "subject_reference": reference,
            "categories": [{k: c[k] for k in ("code", "label", "file", "records")} for c in categories],
            "notes": [asdict(n) for n in notes],
            "files": [asdict(f) for f in archive.files],
        }
        zf.writestr(_entry_info("manifest.json"), json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return {f.name: f.records for f in archive.files}


# --- Telling the customer ---------------------------------------------------------------------


def _email_ready(export_id: int) -> None:
    export = DataExport.objects.select_related("subject").filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.READY:
        return
    subject = export.subject
    if not subject.email or not subject.is_active:
        return
    with translation.override(export.language or subject.preferred_language):
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


__all__ = [
    "EXPORT_NOTES",
    "EXPORT_TABLES",
    "ExportNote",
    "ExportTable",
    "build_archive",
    "export_download_token",
    "export_for_download",
    "export_request",
    "export_run",
    "exports_delete_expired",
    "exports_for_subject",
]
