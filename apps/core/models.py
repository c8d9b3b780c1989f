"""Shared model pieces with no domain of their own."""

import uuid

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ReferencedModel(models.Model):
    """A model addressed from outside by an opaque UUID, never by its integer id.

    URLs, emails and exports use ``reference`` so ids cannot be guessed or counted.
    """

    reference = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


def in_language(obj: models.Model, field: str, language: str | None = None) -> str:
    """``obj.<field>_vi`` for Vietnamese (the given language, else the active one), else ``_en``."""
    vietnamese = (language or get_language() or "en").startswith("vi")
    return getattr(obj, f"{field}_vi" if vietnamese else f"{field}_en")


class Job(ReferencedModel, TimestampedModel):
    """One piece of background work the portal owes: an erasure, an export, a purge run, a
    mailing, a request's execution… (apps/core/jobs/).

    Written in the same transaction as the work it stands for, so it is also the outbox: if
    the broker is down when the transaction commits, the job waits here and the reconciler
    sends it once the broker is back. A worker claims it with a lease and renews the lease
    while it works (the heartbeat); a job whose lease ran out lost its worker and is sent
    again; after ``max_attempts`` claims it fails for good, its last error kept for officers.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    LIVE = (State.QUEUED, State.RUNNING)

    kind = models.CharField(_("kind"), max_length=64)
    target = models.CharField(_("target"), max_length=64, help_text=_("The id of the row the job works on."))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveIntegerField(_("give up after"), default=10)
    lease_owner = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("last sent to a worker"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        constraints = [
            # One live job per piece of work: asking again finds the one under way.
            models.UniqueConstraint(
                fields=["kind", "target"], condition=models.Q(state__in=["queued", "running"]), name="one_live_job"
            ),
        ]
        indexes = [models.Index(fields=["state", "lease_expires_at"]), models.Index(fields=["kind", "target"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.target} ({self.state})"
