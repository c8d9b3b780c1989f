"""A request, its messages and its attachments (P-30, P-31)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import ReferencedModel, TimestampedModel, WorkedByJobs, choice_label
from apps.subject_requests.models.jurisdictions import Jurisdiction
from apps.subject_requests.models.types import ExecutionState, RequestType

# Still to be handled (the rest are closed); SubjectRequest.OPEN_STATUSES. At module level so the
# indexes in Meta can name it.
_OPEN_STATUSES = ("awaiting_verification", "open", "in_progress", "awaiting_approval")


def open_first() -> Case:
    """0 for an open request, 1 for a closed one: the request queue's first sort key
    (admin/queue.py). The queue index is built on this very expression, so PostgreSQL reads
    the list's first page from the index instead of sorting every request."""
    return Case(When(status__in=_OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField())


class SubjectRequest(WorkedByJobs, ReferencedModel, TimestampedModel):
    # The worker carries a request out as a background job (apps/core/jobs/); the
    # acknowledgement email is a job of its own, so it survives a broker that is down.
    JOB_KIND = "subject_requests.execution"
    # The same work, sent again once the systems an access request waited for have answered
    # (services/execution.py subject_request_resume): a kind of its own, so it is never taken
    # for the first run's job while that one is still finishing.
    RESUMED_JOB_KIND = "subject_requests.execution_resumed"
    ACKNOWLEDGEMENT_JOB_KIND = "subject_requests.acknowledgement"

    class Status(models.TextChoices):
        AWAITING_VERIFICATION = "awaiting_verification", _("Awaiting verification")
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        COMPLETED = "completed", _("Completed")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    class Channel(models.TextChoices):
        ACCOUNT = "account", _("Your Account")
        WEB_FORM = "web_form", _("Public web form")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        LETTER = "letter", _("Letter")
        FACEBOOK = "facebook", _("Facebook data-deletion callback")

    class Verification(models.TextChoices):
        SIGNED_IN = "signed_in", _("Signed in with a recent re-authentication")
        EMAIL_LINK = "email_link", _("Confirmed a link sent to the address")
        OFFICER = "officer", _("Checked by an officer")
        FACEBOOK = "facebook", _("Facebook's signed request")

    request_type = models.CharField(_("type"), max_length=32, choices=RequestType.choices)
    status = models.CharField(_("status"), max_length=32, choices=Status.choices, db_index=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subject_requests",
        verbose_name=_("subject"),
    )
    requester_email = models.EmailField(_("requester's email"), blank=True)
    requester_name = models.CharField(_("requester's name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, verbose_name=_("jurisdiction"))
    details = models.TextField(_("details"), blank=True, help_text=_("What the person asked, in their words."))
    # Type-specific choices: purposes or categories (restriction, objection, withdrawal),
    # proposed changes (rectification), the Facebook user id (callback).
    scope = models.JSONField(_("scope"), default=dict, blank=True)

    received_at = models.DateTimeField(_("received"), default=timezone.now)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verification_method = models.CharField(
        _("identity checked by"), max_length=16, choices=Verification.choices, blank=True
    )
    verification_note = models.CharField(
        _("identity evidence"),
        max_length=300,
        blank=True,
        help_text=_("What was checked and how; never a copy or the number of an identity document."),
    )
    confirmation_digest = models.CharField(max_length=64, blank=True, editable=False)
    confirmation_expires_at = models.DateTimeField(null=True, blank=True, editable=False)

    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledge_by = models.DateField(_("acknowledge by"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    extended_to = models.DateTimeField(_("extended to"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_days = models.PositiveIntegerField(_("days paused"), default=0)

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_subject_requests",
        verbose_name=_("assignee"),
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates", verbose_name=_("same as")
    )
    outcome = models.TextField(_("outcome"), blank=True, help_text=_("What was done, as told to the subject."))
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # What the worker did: export / erasure references, restriction, ledger events, the
    # officer who started it, the last error; and the daily reminder's mark.
    execution = models.JSONField(_("execution"), default=dict, blank=True)
    execution_state = models.CharField(
        _("worker"), max_length=20, choices=ExecutionState.choices, default=ExecutionState.NOT_STARTED, blank=True
    )

    # The worker's bookkeeping is not a change of the request: no history row for it.
    history = HistoricalRecords(excluded_fields=["confirmation_digest", "confirmation_expires_at", "execution_state"])

    class Meta:
        verbose_name = _("subject request")
        verbose_name_plural = _("subject requests")
        ordering = ["-received_at"]
        permissions = [
            ("handle_subjectrequest", "Can handle subject requests"),
            ("approve_subjectrequest", "Can approve subject requests"),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="subject_request_status_due"),
            # The request queue at 200 000 requests: by received date (newest first), by the
            # deadline now (an extension's date, else the due date; selectors/deadlines.py)
            # alone and within a status. (The search by the start of an address has a
            # PostgreSQL-only index, migration 0005.)
            models.Index(fields=["received_at", "id"], name="subject_request_recv_idx"),
            # A status filter by received date, and its date drilldown's first and last (open
            # requests are the newest few: without it the oldest end of the dates is read first).
            models.Index(fields=["status", "received_at"], name="subject_request_state_recv_idx"),
            models.Index(Coalesce("extended_to", "due_at"), "id", name="subject_request_dl_idx"),
            models.Index(F("status"), Coalesce("extended_to", "due_at"), "id", name="subject_request_state_dl_idx"),
            # The queue's default order (admin/queue.py QUEUE_ORDERING plus the changelist's "-pk"
            # tie-breaker), key for key: open first, by deadline, newest first, pk. It also serves
            # the queue's status and saved-view filters, whose rows are all in its open head.
            models.Index(
                open_first(),
                # ASC: PostgreSQL's ascending order puts nulls last, as the queue's order asks
                # (SQLite refuses NULLS LAST in an index, and needs none: it sorts so few).
                Coalesce("extended_to", "due_at"),
                F("received_at").desc(),
                F("id").desc(),
                name="subject_request_queue_idx",
            ),
            # The home page's request tiles: a few open requests by deadline (selectors/workspace.py).
            # Partial, so it holds only the open ~1% and the tile never walks the closed ones.
            models.Index(
                Coalesce("extended_to", "due_at"),
                "received_at",
                condition=Q(status__in=_OPEN_STATUSES),
                name="subject_request_open_dl_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{choice_label(self, 'request_type')} {str(self.reference)[:8]}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The status as read, so that saving tells a status change from any other change without
        # asking the database (services.requests.save_with_actor → the registry's status
        # listeners, e.g. the API's webhooks). Absent when the field was deferred.
        if "status" in instance.__dict__:
            instance._status_as_read = instance.status
        return instance

    OPEN_STATUSES = _OPEN_STATUSES
    CLOSED_STATUSES = ("completed", "rejected", "withdrawn", "expired")

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def deadline(self) -> datetime | None:
        return self.extended_to or self.due_at

    def _local_day(self, moment: datetime | None):
        """The date of ``moment`` where the rule applies: a deadline is stored as the end of that
        day there (23:59 in Los Angeles is the next morning in UTC), so pages and emails show
        this date, never the UTC one."""
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo(self.jurisdiction.timezone)).date() if moment else None

    @property
    def deadline_on(self):
        return self._local_day(self.deadline)

    @property
    def due_on(self):
        return self._local_day(self.due_at)

    @property
    def extended_on(self):
        return self._local_day(self.extended_to)

    @classmethod
    def retention_scope(cls, trigger: str):
        """What retention rules take of requests (read by apps.retention.purge).

        By age: only requests never confirmed, which expire with the identity data given
        (the address too, though kept on confirmed requests as proof). Closed for N: only
        closed requests.
        """
        from django.db.models.functions import Now

        from apps.retention.domain import RelatedRows, RetentionScope

        if trigger == "record_age":
            return RetentionScope(
                filter=models.Q(status=cls.Status.AWAITING_VERIFICATION),
                updates={
                    "status": cls.Status.EXPIRED,
                    "closed_at": Now(),
                    "requester_email": "",
                    "confirmation_digest": "",
                    "confirmation_expires_at": None,
                },
                history_updates={"requester_email": ""},
            )
        if trigger == "request_closed":
            # The proof period's end (the "closed-requests-proof" rule, 3 years): the registry's
            # anonymisation blanks the person's words (name, details, scope with a Facebook id,
            # outcome…); these are what the registry keeps as proof until then: whose request it
            # was, the address it came from and its confirmation code, in the history too. The
            # type, channel, dates and status stay. The messages and attachments go with it:
            # found only through the request's subject, no erasure or export would find them
            # after. A message keeps its kind and date, not its words nor, when the person wrote
            # it, its author; an attachment is deleted with its file.
            from_subject = models.When(kind=RequestMessage.Kind.FROM_SUBJECT, then=models.Value(None))
            return RetentionScope(
                filter=models.Q(status__in=cls.CLOSED_STATUSES),
                updates={
                    "subject": None,
                    "requester_email": "",
                    "confirmation_digest": "",
                    "confirmation_expires_at": None,
                },
                history_updates={"subject": None, "requester_email": ""},
                related=(
                    RelatedRows(
                        "subject_requests.RequestMessage",
                        "request",
                        updates={"author": models.Case(from_subject, default=models.F("author"))},
                    ),
                    RelatedRows("subject_requests.RequestAttachment", "request"),
                    # What other systems sent for an access request (apps/systems, above this
                    # app: named, not imported), deleted with its file: normally gone once the
                    # export holds it, left only when the request closed without one.
                    RelatedRows("systems.AccessAnswer", "task__request"),
                ),
            )
        return RetentionScope()

    @property
    def short_reference(self) -> str:
        """What people quote on the phone: the first 8 characters of the reference, upper case."""
        return str(self.reference)[:8].upper()


class RequestMessage(models.Model):
    """A message to or from the subject, or an officer's internal note (never shown to the subject)."""

    class Kind(models.TextChoices):
        TO_SUBJECT = "to_subject", _("Message to the subject")
        FROM_SUBJECT = "from_subject", _("Message from the subject")
        INTERNAL = "internal", _("Internal note")

    request = models.ForeignKey(SubjectRequest, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("message"), max_length=10000)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("request message")
        verbose_name_plural = _("request messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d})"


def attachment_path(instance: RequestAttachment, filename: str) -> str:
    # The stored name is the request's reference and a random part: never the person's file name.
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:10]
    return f"subject_requests/{instance.request.reference}/{uuid.uuid4().hex}{suffix}"


class RequestAttachment(models.Model):
    """A letter or email received for a request, kept in private storage (never served publicly)."""

    request = models.ForeignKey(SubjectRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name
