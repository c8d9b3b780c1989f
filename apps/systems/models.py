"""What a request owes the systems outside the portal that hold the data (GDPR Art. 17(2),
19, 28(3)(e)(g); CCPA §1798.105(c)).

The systems themselves are the disclosure register's recipients (apps.disclosures.models.
Recipient: role, categories held, connector, deadline): one model for "who has the data".
Here are what only requests need: each system's webhook secrets, and one task per request
and system, from "told" to "confirmed" or "closed by an officer with a reason".
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import ReferencedModel, TimestampedModel, WebhookSecretBase
from apps.disclosures.models import Recipient
from apps.subject_requests.models import SubjectRequest


class SystemSecret(WebhookSecretBase):
    """A webhook signing secret of one system (encrypted, shown once, rotated with an overlap:
    apps/core/webhooks/signing.py). Callbacks signed by any live one are accepted too."""

    system = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="webhook_secrets")

    endpoint_field = "system"


class PropagationTask(ReferencedModel, TimestampedModel):
    """One system's part of one request: told how and when, and how it answered."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Told, waiting for its answer")
        CONFIRMED = "confirmed", _("Confirmed done")
        NOTHING_HELD = "nothing_held", _("Held nothing")
        FAILED = "failed", _("Failed")
        CLOSED = "closed", _("Closed by an officer")

    SETTLED = (State.CONFIRMED, State.NOTHING_HELD, State.CLOSED)

    class Why(models.TextChoices):
        HOLDS = "holds", _("Holds the categories involved")
        REGISTER = "register", _("Received the person's data (disclosure register, Art. 19)")

    request = models.ForeignKey(SubjectRequest, on_delete=models.CASCADE, related_name="propagation_tasks")
    system = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="propagation_tasks")
    action = models.CharField(_("what to do"), max_length=16)
    why = models.CharField(_("why told"), max_length=16, choices=Why.choices)
    # Art. 19: the person may learn which recipients were told, except one whose disclosures to
    # them are all withheld from the person (P-22: a court forbids showing them).
    shown_to_subject = models.BooleanField(_("shown to the subject"), default=True)
    connector = models.CharField(_("told by"), max_length=16, choices=Recipient.Connector.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    deadline_at = models.DateTimeField(_("deadline"))
    told_at = models.DateTimeField(_("told"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Emailed instructions: the identifiers to send, captured with the step (an erasure erases
    # them from the portal before the email goes) and blanked once the email is sent.
    pending_identifiers = models.JSONField(default=dict, blank=True, editable=False)
    # Emailed instructions: the digest of the one-time confirmation link's token.
    confirm_digest = models.CharField(max_length=64, blank=True, editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords(
        excluded_fields=["confirm_digest", "pending_identifiers", "reminded_at", "overdue_notified_at"]
    )

    class Meta:
        verbose_name = _("system task")
        verbose_name_plural = _("system tasks")
        ordering = ["request", "system__name"]
        permissions = [("close_propagationtask", "Can close a system's task with a reason")]
        constraints = [
            # A request tells a system once, whatever reaches the fan-out twice.
            models.UniqueConstraint(fields=["request", "system"], name="systems_task_once_per_request")
        ]
        indexes = [models.Index(fields=["state", "deadline_at"], name="systems_task_state_deadline")]

    def __str__(self) -> str:
        return f"{self.system} · {self.request}"

    @property
    def is_settled(self) -> bool:
        return self.state in self.SETTLED

    @property
    def is_overdue(self) -> bool:
        return not self.is_settled and self.deadline_at < timezone.now()


def answer_path(instance: AccessAnswer, filename: str) -> str:
    # A random name: the system's own file name says nothing the export needs.
    return f"systems/answers/{uuid.uuid4().hex}.{instance.format}"


class AccessAnswer(TimestampedModel):
    """What a system sent for an access request (JSON or CSV, checked: apps/systems/domain.py),
    in private storage until the export includes it under systems/<system>/. Personal data:
    registered with the registry, so erasing the person deletes the row and the file."""

    task = models.OneToOneField(PropagationTask, on_delete=models.CASCADE, related_name="access_answer")
    file = models.FileField(_("file"), upload_to=answer_path)
    format = models.CharField(_("format"), max_length=8, choices=[("json", "JSON"), ("csv", "CSV")])
    size_bytes = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    received_via = models.CharField(_("received by"), max_length=16)

    class Meta:
        verbose_name = _("access answer")
        verbose_name_plural = _("access answers")

    def __str__(self) -> str:
        return f"{self.task} ({self.format})"
