"""Shared model pieces with no domain of their own."""

import uuid
from functools import lru_cache
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ReferencedModel(models.Model):
    """A model addressed from outside by an opaque UUID, never by its integer id.

    URLs, emails and exports use ``reference`` so ids cannot be guessed or counted.
    """

    reference = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


def reference_prefix_range(term: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """A reference or its first characters as typed ("1a2b3c4d", "1A2B3C4D-9F…") as the range of
    references that start with it, so the unique index answers a search (a LIKE over the text
    form reads every row). None when the term is not hexadecimal or has under four digits."""
    digits = term.strip().lower().replace("-", "")
    if not 4 <= len(digits) <= 32 or digits.strip("0123456789abcdef"):
        return None
    return uuid.UUID(digits.ljust(32, "0")), uuid.UUID(digits.ljust(32, "f"))


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


def in_language(obj: models.Model, field: str, language: str | None = None) -> str:
    """``obj.<field>_vi`` for Vietnamese (the given language, else the active one), else ``_en``."""
    vietnamese = (language or get_language() or "en").startswith("vi")
    return getattr(obj, f"{field}_vi" if vietnamese else f"{field}_en")


@lru_cache(maxsize=512)
def choice_labels(field: models.Field, language: str | None) -> dict:
    """A field's choices as {value: label} in ``language`` (the active one when it was asked)."""
    return {value: str(label) for value, label in field.flatchoices}


def choice_label(obj: models.Model, name: str):
    """``obj.get_<name>_display()`` from a table made once per field and language: Django's hashes
    every choice's lazy label on each call, which a list drawing it on every row pays for (the
    request queue, apps/core/admin/rows.py). A value outside the choices comes back as it is."""
    field = obj._meta.get_field(name)
    assert isinstance(field, models.Field), "a concrete field with choices"
    value = getattr(obj, field.attname)
    return choice_labels(field, get_language()).get(value, value)


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


class WorkedByJobs:
    """For a model whose rows background jobs work on (an erasure run, an export…): the row's
    latest job and how many attempts it took, for officers' pages. ``JOB_KIND`` names the kind."""

    JOB_KIND: ClassVar[str] = ""

    @classmethod
    def with_attempts(cls, queryset: models.QuerySet) -> models.QuerySet:
        """``queryset`` with each row's attempts (``job_attempts``) in the same query, for lists."""
        latest = Job.objects.filter(kind=cls.JOB_KIND, target=Cast(OuterRef("pk"), models.CharField())).order_by("-pk")
        return queryset.annotate(job_attempts=Coalesce(Subquery(latest.values("attempts")[:1]), 0))

    @property
    def job(self) -> Job | None:
        return Job.objects.filter(kind=self.JOB_KIND, target=str(self.pk)).order_by("-pk").first()  # type: ignore[attr-defined]

    @property
    def attempts(self) -> int:
        annotated = getattr(self, "job_attempts", None)
        if annotated is not None:
            return annotated
        job = self.job
        return job.attempts if job is not None else 0


class WebhookEvent(TimestampedModel):
    """One signed webhook owed to an endpoint (apps/core/webhooks/): the outbox row.

    Written in the same transaction as the step it announces; the relay (a Celery task, beat
    every minute and nudged after each commit) sends it, signed per Standard Webhooks, and
    retries with exponential backoff until it is delivered or gives up. ``dedupe_key`` is
    unique, so the same step can never owe two events; ``event_id`` is the ``webhook-id``
    header, the same on every retry, so a receiver can drop a repeat.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    event_id = models.CharField(_("event id"), max_length=40, unique=True, editable=False)
    dedupe_key = models.CharField(_("step"), max_length=200, unique=True)
    event_type = models.CharField(_("type"), max_length=64)
    endpoint = models.CharField(_("endpoint kind"), max_length=64)
    endpoint_id = models.CharField(_("endpoint id"), max_length=64)
    url = models.URLField(_("URL"), max_length=500)
    # Until delivered the payload may hold the identifiers the receiver needs to act; once
    # delivered (or given up) it is replaced by its digest, so the outbox keeps no one's data.
    payload = models.JSONField(_("payload"), default=dict)
    body_sha256 = models.CharField(_("body digest"), max_length=64, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_status = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=1000, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="core_webhook_due")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class WebhookSecretBase(TimestampedModel):
    """A webhook signing secret of one endpoint, stored encrypted (apps/core/webhooks/signing.py).

    Shown once, when made. Rotation (``secret_rotate``) makes a new one and gives the old ones a
    retirement time: until then events carry a signature by each. Each app that owns a kind of
    endpoint (a system, an API client's subscription) adds the foreign key to its endpoint.
    """

    encrypted = models.CharField(max_length=500, editable=False)
    retires_at = models.DateTimeField(_("retires"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # The name of the foreign key to the endpoint, set by each subclass (for __str__).
    endpoint_field: ClassVar[str] = ""

    class Meta:
        abstract = True
        verbose_name = _("webhook secret")
        verbose_name_plural = _("webhook secrets")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{getattr(self, self.endpoint_field)} secret of {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_live(self) -> bool:
        return self.retires_at is None or self.retires_at > timezone.now()
