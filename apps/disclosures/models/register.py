"""The register itself: disclosures, their subjects, the hash chain, compelled requests,
staff access to content and attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import ReferencedModel, TimestampedModel
from apps.disclosures.models.recipients import Recipient


class NoDeleteQuerySet(models.QuerySet):
    def delete(self):
        raise PermissionError("The disclosure register is append-only: record an amendment instead.")


class AppendOnlyQuerySet(NoDeleteQuerySet):
    def update(self, **kwargs):
        # Only the operational fields outside the hash may change after the fact.
        if set(kwargs) - Disclosure.MUTABLE_FIELDS:
            raise PermissionError("The disclosure register is append-only: record an amendment instead.")
        return super().update(**kwargs)


class Disclosure(ReferencedModel):
    class LegalBasis(models.TextChoices):
        CONSENT = "consent", _("Consent")
        CONTRACT = "contract", _("Contract")
        LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
        COURT_ORDER = "court_order", _("Court order")
        LAW_ENFORCEMENT = "law_enforcement", _("Law-enforcement request")
        REGULATOR = "regulator", _("Regulator request")
        VITAL_INTEREST = "vital_interest", _("Vital interest")
        BUSINESS_TRANSFER = "business_transfer", _("Business transfer")

    class Visibility(models.TextChoices):
        VISIBLE = "visible", _("Visible to the subject")
        WITHHELD = "withheld", _("Withheld from the subject")

    class Notification(models.TextChoices):
        NOT_REQUIRED = "not_required", _("Not required")
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")

    # Fields outside the hash: how the record is shown and notified, not what happened.
    MUTABLE_FIELDS = frozenset({"visibility", "withheld_reason", "withheld_review_date", "notification_status"})

    # Sequence and hashes are set when the entry is sealed onto the chain, in the transaction that
    # inserts it (see services.register._seal); a committed entry without them is a break verify reports.
    sequence = models.PositiveBigIntegerField(_("position in the register"), unique=True, null=True, editable=False)
    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="disclosures")
    data_categories = models.JSONField(_("data categories"), default=list)
    description = models.TextField(_("what was disclosed"), help_text=_("Describe the data; never paste the data."))
    disclosed_at = models.DateTimeField(_("disclosed at"))
    reason = models.TextField(_("reason"))
    legal_basis = models.CharField(_("legal basis"), max_length=32, choices=LegalBasis.choices)
    external_reference = models.CharField(_("order or warrant number"), max_length=120, blank=True)
    requested_by = models.CharField(_("requested by"), max_length=200, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amends = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        help_text=_("The entry this one corrects."),
    )
    visibility = models.CharField(
        _("subject visibility"), max_length=16, choices=Visibility.choices, default=Visibility.VISIBLE
    )
    withheld_reason = models.TextField(_("why it is withheld"), blank=True)
    withheld_review_date = models.DateField(_("review withholding on"), null=True, blank=True)
    notification_status = models.CharField(
        max_length=16, choices=Notification.choices, default=Notification.NOT_REQUIRED
    )
    previous_hash = models.CharField(max_length=64, blank=True, editable=False)
    # NULL, not "", until sealed: unique allows many NULLs but only one empty string.
    entry_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-sequence"]
        # The register at a million entries: its date drilldown, the rare withheld entries in
        # order, and a search by the recipient's own reference.
        indexes = [
            models.Index(fields=["disclosed_at"], name="disclosures_disclosed_at_idx"),
            models.Index(fields=["visibility", "sequence"], name="disclosures_visibility_idx"),
            models.Index(fields=["external_reference"], name="disclosures_external_ref_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(visibility="withheld") | ~models.Q(withheld_reason=""),
                name="disclosures_withheld_needs_reason",
            )
        ]

    def __str__(self) -> str:
        # No recipient name: it would cost a query per row wherever entries are listed by str().
        return f"#{self.sequence} ({self.disclosed_at:%Y-%m-%d})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or set(update_fields) - self.MUTABLE_FIELDS:
                raise PermissionError("The disclosure register is append-only: record an amendment instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The disclosure register is append-only: record an amendment instead.")


class DisclosureSubject(models.Model):
    """One person a disclosure was about. The account link goes at erasure; the reference stays."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="subjects")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="disclosure_links"
    )
    subject_reference = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["disclosure", "subject_reference"], name="disclosures_subject_once")
        ]

    def __str__(self) -> str:
        return f"{self.disclosure_id}:{self.subject_reference[:12]}"


class ChainAnchor(TimestampedModel):
    """The register's head hash, written daily: truncating the tail cannot go unnoticed."""

    sequence = models.PositiveBigIntegerField()
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"head #{self.sequence} {self.entry_hash[:12]}"


class ChainHead(models.Model):
    """The register's current head, one row: appends lock it, so they are strictly sequential."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    sequence = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.sequence}"


class CompelledRequest(ReferencedModel, TimestampedModel):
    """A court, police or government demand for data (P-21), decided by two privacy officers.

    The officer who records the demand cannot approve it (four eyes); approval appends the
    disclosure to the register, refusal is recorded with its reason.
    """

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting a second officer")
        APPROVED = "approved", _("Approved and disclosed")
        REFUSED = "refused", _("Refused")

    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="compelled_requests")
    requested_by = models.CharField(_("who asked"), max_length=200)
    authority = models.CharField(_("under which authority"), max_length=300)
    external_reference = models.CharField(_("order or warrant number"), max_length=120)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    subjects = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("subjects"))
    data_categories = models.JSONField(_("data categories asked for"), default=list)
    data_requested = models.TextField(_("data asked for"))
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.AWAITING_APPROVAL)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(_("refusal reason"), blank=True)
    withhold_from_subjects = models.BooleanField(_("the order forbids telling the subjects"), default=False)
    withheld_reason = models.TextField(_("why it is withheld"), blank=True)
    disclosure = models.OneToOneField(
        Disclosure, on_delete=models.PROTECT, null=True, blank=True, related_name="compelled_request"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("compelled disclosure request")
        verbose_name_plural = _("compelled disclosure requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True) | ~models.Q(decided_by=models.F("received_by")),
                name="disclosures_compelled_four_eyes",
            )
        ]

    def __str__(self) -> str:
        return f"{self.external_reference} ({self.get_status_display()})"


class ContentAccessGrant(ReferencedModel, TimestampedModel):
    """A staff member's permission to open one customer's content (P-24).

    For support, it waits for the customer's approval in Your Account; for a legal process
    it is immediate and the customer is told afterwards (unless that is withheld).
    """

    class Purpose(models.TextChoices):
        SUPPORT = "support", _("Resolve a support issue")
        LEGAL = "legal", _("Legal process")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for the customer")
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied by the customer")
        REVOKED = "revoked", _("Revoked")

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="content_grants")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    reason = models.TextField(_("reason shown to the customer"))
    ticket_reference = models.CharField(_("ticket or case reference"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    customer_notified_at = models.DateTimeField(null=True, blank=True)
    notification_withheld_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("content access grant")
        verbose_name_plural = _("content access grants")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} access ({self.get_status_display()})"


class StaffAccessEvent(models.Model):
    """Every staff look at a customer's record or content (P-25), for auditors."""

    class Kind(models.TextChoices):
        RECORD_VIEW = "record_view", _("Viewed the customer record in the admin")
        CONTENT_VIEW = "content_view", _("Opened the customer's content")

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_access_events")
    grant = models.ForeignKey(ContentAccessGrant, on_delete=models.SET_NULL, null=True, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    path = models.CharField(max_length=300, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("staff access event")
        verbose_name_plural = _("staff access events")
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.kind} {self.customer_id}"


def attachment_path(instance: DisclosureAttachment, filename: str) -> str:
    # A random name in private storage: the path reveals neither the case nor the file's name.
    import uuid
    from pathlib import PurePosixPath

    return f"disclosure-attachments/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()[:10]}"


class DisclosureAttachment(ReferencedModel):
    """A document behind a disclosure (the court order, the covering letter), in private storage.

    Attachments are added, never replaced or removed; their checksum is recorded at upload.
    """

    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = NoDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name

    def delete(self, *args, **kwargs):
        raise PermissionError("Attachments to the disclosure register are never removed.")
