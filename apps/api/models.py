"""API clients, their keys, one row per call, the stored answers of POSTs by Idempotency-Key,
and their webhook subscriptions (with secrets) and the requests they filed."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.api.domain import Scope, networks_parse, subscription_problems
from apps.core.models import ReferencedModel, TimestampedModel, WebhookSecretBase


class ApiClient(ReferencedModel, TimestampedModel):
    """Another system of the company, allowed some scopes. Created by an officer in the admin."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    owner = models.CharField(_("owner"), max_length=120, help_text=_("The team answerable for this system."))
    purpose = models.TextField(_("purpose"), help_text=_("What the system uses the portal's answers for."))
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    allowed_networks = models.TextField(
        _("allowed IP ranges"),
        blank=True,
        help_text=_("One address or CIDR range per line, e.g. 10.0.0.0/8. Empty: from anywhere."),
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(_("calls per minute"), default=600)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = sorted(set(self.scopes or []) - set(Scope.values))
        if unknown:
            raise ValidationError({"scopes": _("Unknown scopes: %(names)s") % {"names": ", ".join(unknown)}})
        try:
            networks_parse(self.allowed_networks)
        except ValueError as exc:
            raise ValidationError({"allowed_networks": str(exc)}) from exc

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class ApiKey(TimestampedModel):
    """A key of a client: only its prefix and SHA-256 digest are kept; the key is shown once."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="keys")
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"ppk_{self.prefix}_…"


class ApiCall(models.Model):
    """One call: which client, which endpoint, what status. Never the person's data."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, null=True, related_name="calls")
    endpoint = models.CharField(max_length=80)
    method = models.CharField(max_length=8)
    status = models.PositiveSmallIntegerField()
    duration_ms = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["client", "at"])]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} {self.status}"


class IdempotencyRecord(models.Model):
    """The answer to a POST, kept so a retry with the same Idempotency-Key gets it again."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    endpoint = models.CharField(max_length=80)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="api_idempotency_client_key")]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key}"


class ApiFiledRequest(models.Model):
    """A request a client filed (or was answered with, for a person its token proved): what
    requests:read lets that client read. Another client's reference is a 404 to it."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="filed_requests")
    subject_request = models.ForeignKey(
        "subject_requests.SubjectRequest", on_delete=models.CASCADE, related_name="api_filings"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "subject_request"], name="api_filed_request_once_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.client_id} → {self.subject_request_id}"


class WebhookSubscription(ReferencedModel, TimestampedModel):
    """A client's webhook: the events it is told of, signed with secrets of its own.

    The events go through the core outbox (apps/core/webhooks/), written in the transaction of
    the change they announce; only to a live client whose scopes allow them (domain.EVENT_SCOPES).
    """

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="subscriptions")
    url = models.URLField(_("webhook URL"), max_length=500, help_text=_("https:// and a public host."))
    event_types = models.JSONField(_("events"), default=list)
    active = models.BooleanField(_("active"), default=True, help_text=_("Untick to stop sending events."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["client__name", "created_at"]

    def __str__(self) -> str:
        return f"{self.client} → {self.url}"

    def clean(self) -> None:
        # An inactive subscription is owed nothing, so its events need no scope: after the
        # client's scopes were narrowed an officer can still untick "active" and save.
        scopes = self.client.scopes if self.client_id and self.active else None
        problems = subscription_problems(url=self.url, event_types=self.event_types, scopes=scopes)
        if self.active and self.client_id and "url" not in problems:
            twin = WebhookSubscription.objects.filter(client_id=self.client_id, url=self.url, active=True)
            if twin.exclude(pk=self.pk).exists():
                # Two would sign and send every event twice to the same receiver.
                problems["url"] = str(_("This client already has an active subscription at this URL."))
        if problems:
            raise ValidationError(problems)


class SubscriptionSecret(WebhookSecretBase):
    """A signing secret of one subscription (encrypted, shown once, rotated with an overlap)."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="secrets")

    endpoint_field = "subscription"
