"""Runs of the personal-data engine: erasures (with their certificates) and exports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import ReferencedModel, TimestampedModel, WorkedByJobs


class ErasureRun(WorkedByJobs, ReferencedModel, TimestampedModel):
    """One erasure of one subject, resumable from ``progress`` after a crash.

    ``subject`` is kept as a plain id (no FK) and ``subject_reference`` as the keyed hash:
    after the run, the certificate and this row must not identify the person.
    """

    JOB_KIND = "personal_data.erasure"  # its background job (apps/core/jobs/)

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        PARTIAL = "partial", _("Completed, some data kept")
        FAILED = "failed", _("Failed")

    subject_id = models.BigIntegerField(_("subject id"), db_index=True)
    subject_reference = models.CharField(_("pseudonymous subject reference"), max_length=64, db_index=True)
    request_reference = models.CharField(_("request reference"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200)
    dry_run = models.BooleanField(default=False)
    progress = models.JSONField(_("progress"), default=dict, blank=True)
    certificate = models.JSONField(_("certificate"), default=dict, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        ordering = ["-created_at"]
        permissions = [("run_erasure", "Can erase a subject's personal data")]

    def __str__(self) -> str:
        return f"Erasure {self.reference} ({self.status})"


class DataExport(WorkedByJobs, ReferencedModel, TimestampedModel):
    """A ZIP of one subject's data in private storage, downloadable by them until it expires."""

    JOB_KIND = "personal_data.export"  # its background job (apps/core/jobs/)

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    # Who asked for the copy: the person themselves, or the officer who prepared it for them.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    size_bytes = models.BigIntegerField(default=0)
    # The SHA-256 of the archive's manifest.json, which lists every other file in it with its
    # SHA-256, size and CRC-32 (export/archive.py): checking it, then each file against the
    # manifest, checks the whole download.
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    record_counts = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, default="en")
    expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created_at"]
        permissions = [("run_export", "Can export a subject's personal data")]

    def __str__(self) -> str:
        return f"Export {self.reference} ({self.status})"
