"""Purposes, the consent ledger and its derived state, suppressions, restrictions, policy versions
and batched mailings (marketing campaigns and policy-change notices).

The ledger (ConsentEvent) is append-only: a choice is a new event, never an edit. ConsentState
is derived from it for fast reads and can be rebuilt from it at any time.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import ReferencedModel, TimestampedModel, WorkedByJobs, in_language

APPEND_ONLY = "The consent ledger is append-only: record a new event instead."


class Purpose(TimestampedModel):
    """Something we ask consent for (or tell the basis of): a marketing channel, a partner, cookies."""

    class Kind(models.TextChoices):
        PROCESSING = "processing", _("Processing purpose")
        COOKIES = "cookies", _("Cookie category")

    class LegalBasis(models.TextChoices):
        CONSENT = "consent", _("Consent")
        CONTRACT = "contract", _("Contract")
        LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")
        LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")

    class Channel(models.TextChoices):
        NONE = "", _("Not a contact channel")
        EMAIL = "email", _("Email")
        POST = "post", _("Post")
        TELEPHONE = "telephone", _("Telephone")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PROCESSING)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=120)
    description_en = models.TextField(_("description (English)"))
    description_vi = models.TextField(_("description (Vietnamese)"))
    legal_basis = models.CharField(_("legal basis"), max_length=24, choices=LegalBasis.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    is_marketing = models.BooleanField(
        _("direct marketing"),
        default=False,
        help_text=_("Withdrawals and objections add the address to the suppression list."),
    )
    partner = models.ForeignKey(
        "disclosures.Recipient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consent_purposes",
        help_text=_("For sharing with one marketing partner: one purpose per partner."),
    )
    cookies = models.JSONField(
        _("cookies"),
        default=list,
        blank=True,
        help_text=_("For a cookie category: [{name, provider, duration, purpose}]."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    display_order = models.PositiveSmallIntegerField(_("order"), default=100)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")
        ordering = ["kind", "display_order", "code"]

    def __str__(self) -> str:
        return self.name()

    @property
    def needs_consent(self) -> bool:
        return self.legal_basis == self.LegalBasis.CONSENT

    def name(self, language: str | None = None) -> str:
        return in_language(self, "name", language)

    def description(self, language: str | None = None) -> str:
        return in_language(self, "description", language)

    def shown_text(self, language: str | None = None) -> str:
        """The exact words a person reads beside the choice; its hash goes into the ledger."""
        return f"{self.name(language)}\n{self.description(language)}"

    def text_hash(self, language: str | None = None) -> str:
        return hashlib.sha256(self.shown_text(language).encode()).hexdigest()


class PolicyVersion(TimestampedModel):
    """One published version of the privacy policy, in English and Vietnamese (P-16)."""

    version = models.CharField(_("version"), max_length=32, unique=True)
    effective_on = models.DateField(_("effective on"))
    material_change = models.BooleanField(
        _("material change"),
        default=False,
        help_text=_("Customers are emailed at least 15 days before it takes effect and asked to acknowledge it."),
    )
    summary_en = models.TextField(_("summary of changes (English)"))
    summary_vi = models.TextField(_("summary of changes (Vietnamese)"))
    body_en = models.TextField(_("policy text (English)"))
    body_vi = models.TextField(_("policy text (Vietnamese)"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("privacy policy version")
        verbose_name_plural = _("privacy policy versions")
        ordering = ["-effective_on", "-version"]

    def __str__(self) -> str:
        return f"{self.version} ({self.effective_on:%Y-%m-%d})"

    def summary(self, language: str | None = None) -> str:
        return in_language(self, "summary", language)

    def body(self, language: str | None = None) -> str:
        return in_language(self, "body", language)


class ConsentLedgerQuerySet(models.QuerySet):
    def delete(self):
        raise PermissionError(APPEND_ONLY)

    def update(self, **kwargs):
        raise PermissionError(APPEND_ONLY)


class ConsentEvent(ReferencedModel):
    """One choice, with what was shown and how it was made: the proof (append-only)."""

    class Method(models.TextChoices):
        SIGNUP = "signup", _("Sign-up form")
        ACCOUNT_PAGE = "account_page", _("Your Account page")
        UNSUBSCRIBE_LINK = "unsubscribe_link", _("Unsubscribe link")
        ONE_CLICK = "one_click", _("One-click unsubscribe")
        GPC = "gpc", _("Global Privacy Control")
        COOKIE_BANNER = "cookie_banner", _("Cookie banner")
        COOKIE_SETTINGS = "cookie_settings", _("Cookie settings page")
        CARRIED_AT_SIGN_IN = "carried_at_sign_in", _("Carried over at sign-in")
        OFFICER = "officer", _("Privacy officer on the subject's behalf")
        IMPORT = "import", _("Import")
        REQUEST = "request", _("Data-subject request")

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="consent_events"
    )
    # Outlives the account: the ledger stays whole after erasure, without the identity.
    subject_reference = models.CharField(max_length=64, blank=True, db_index=True)
    visitor_id = models.CharField(_("consent cookie id"), max_length=64, blank=True, db_index=True)
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="events")
    granted = models.BooleanField(_("granted"))
    method = models.CharField(_("method"), max_length=24, choices=Method.choices)
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    language = models.CharField(_("language"), max_length=8)
    text_hash = models.CharField(_("hash of the text shown"), max_length=64)
    source_page = models.CharField(_("page"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("acting"), max_length=120, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)

    objects = ConsentLedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent ledger")
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["subject", "purpose", "-recorded_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(subject_reference="") | ~models.Q(visitor_id=""), name="consent_event_has_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose_id} {'granted' if self.granted else 'withdrawn'} {self.recorded_at:%Y-%m-%d}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(APPEND_ONLY)


class ConsentState(models.Model):
    """The current choice per subject (or anonymous visitor) and purpose, derived from the ledger."""

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="consent_states"
    )
    visitor_id = models.CharField(max_length=64, blank=True)
    purpose = models.ForeignKey(Purpose, on_delete=models.CASCADE, related_name="states")
    granted = models.BooleanField()
    method = models.CharField(max_length=24, choices=ConsentEvent.Method.choices)
    changed_at = models.DateTimeField()
    last_event = models.ForeignKey(ConsentEvent, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "purpose"], condition=models.Q(subject__isnull=False), name="consent_state_subject"
            ),
            models.UniqueConstraint(
                fields=["visitor_id", "purpose"], condition=models.Q(subject__isnull=True), name="consent_state_visitor"
            ),
        ]
        indexes = [models.Index(fields=["purpose", "granted"])]

    def __str__(self) -> str:
        return f"{self.purpose_id}: {'granted' if self.granted else 'not granted'}"


class Suppression(models.Model):
    """An address that must not receive direct marketing, kept as a keyed hash (P-12).

    It holds no account link, so it survives the account's deletion and still works if the
    same address signs up again.
    """

    class Reason(models.TextChoices):
        WITHDRAWAL = "withdrawal", _("Consent withdrawn")
        OBJECTION = "objection", _("Objection to direct marketing")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribed from an email")
        OFFICER = "officer", _("Added by a privacy officer")

    address_hash = models.CharField(max_length=64)
    channel = models.CharField(max_length=16, choices=Purpose.Channel.choices)
    # What was withdrawn: one purpose (unsubscribing from the newsletter stops the newsletter),
    # or, empty, all direct marketing on the channel (an objection, "unsubscribe from all").
    purpose_code = models.CharField(_("purpose"), max_length=64, blank=True, help_text=_("Empty: all marketing."))
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppression list")
        constraints = [
            models.UniqueConstraint(
                fields=["address_hash", "channel", "purpose_code"], name="suppression_once_per_channel_and_purpose"
            )
        ]

    def __str__(self) -> str:
        return f"{self.address_hash[:12]}… ({self.channel} {self.purpose_code or 'all'})"


class ProcessingRestriction(ReferencedModel, TimestampedModel):
    """A restriction of processing on an account: of everything, or of chosen purposes.

    While it is in force (not lifted) the account is left out of marketing audiences, analytics
    and profiling by the selectors that build them.
    """

    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="restrictions")
    purposes = models.ManyToManyField(
        Purpose, blank=True, related_name="+", help_text=_("None chosen: all processing is restricted.")
    )
    reason = models.TextField(_("reason"))
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(m2m_fields=[purposes])

    class Meta:
        verbose_name = _("processing restriction")
        verbose_name_plural = _("processing restrictions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"restriction {self.reference}"


class PolicyAcknowledgement(models.Model):
    """A customer acknowledged a materially changed policy (the site banner's button)."""

    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="acknowledgements")
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subject", "policy_version"], name="policy_acknowledged_once")]

    def __str__(self) -> str:
        return f"{self.subject_id} acknowledged {self.policy_version_id}"


class Mailing(WorkedByJobs, ReferencedModel, TimestampedModel):
    """A batched email to many accounts: a marketing campaign or a policy-change notice.

    The worker sends in batches, recording each delivery first, so a restarted job resumes
    where it stopped and nobody receives it twice.
    """

    JOB_KIND = "consent.mailing"  # sending is a background job (apps/core/jobs/)

    class Kind(models.TextChoices):
        MARKETING = "marketing", _("Marketing campaign")
        POLICY_NOTICE = "policy_notice", _("Policy change notice")
        # Registered by the breaches app (apps.breaches.services.notices): the people's notice (Art. 34).
        BREACH_NOTICE = "breach_notice", _("Personal-data breach notice")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    purpose = models.ForeignKey(
        Purpose,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mailings",
        help_text=_("Marketing: who consented to this purpose receives it."),
    )
    policy_version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    subject_line = models.CharField(_("subject line"), max_length=200)
    body = models.TextField(_("message"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    send_after = models.DateTimeField(_("send after"), null=True, blank=True)
    audience_size = models.PositiveIntegerField(_("audience"), default=0)
    sent_count = models.PositiveIntegerField(_("sent"), default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy_version"],
                condition=models.Q(kind="policy_notice"),
                name="one_notice_per_policy_version",
            )
        ]

    def __str__(self) -> str:
        return self.subject_line

    @property
    def progress_percent(self) -> int:
        return 100 if not self.audience_size else min(100, round(100 * self.sent_count / self.audience_size))


class MailingDelivery(models.Model):
    """One account's copy of a mailing: written before sending, so it is never sent twice."""

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="deliveries")
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailing", "subject"], name="mailing_delivered_once")]

    def __str__(self) -> str:
        return f"{self.mailing_id} → {self.subject_id}"
