"""Accounts: the customer, what they told us, how they sign in, what they show publicly.

P-01 (what an account holds), P-03 (login history), P-04 (public profile),
P-05 (the data controller's identity, ``Organisation``).
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from apps.accounts.domain import suggested_preferred_name, suggested_time_zone, validate_time_zone
from apps.core.models import ReferencedModel
from apps.personal_data.domain import address_hash


def profile_picture_path(instance: User, filename: str) -> str:
    # A random name: the stored path reveals neither the user nor the original filename.
    suffix = PurePosixPath(filename).suffix.lower() or ".jpg"
    return f"profile-pictures/{uuid.uuid4().hex}{suffix}"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def normalize_email(self, email: str | None) -> str:  # type: ignore[override]
        # Email is the login: compare and store it in one case.
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=self.normalize_email(username))

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(ReferencedModel, AbstractBaseUser, PermissionsMixin):
    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        VIETNAMESE = "vi", _("Vietnamese")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    # A keyed hash of the address, kept in step with it by save(), so the marketing
    # suppression list (which holds only such hashes, P-12) can be joined in SQL.
    email_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(
        _("phone number"),
        max_length=32,
        blank=True,
        help_text=_("Stored in international format, e.g. +44 20 7946 0958."),
    )
    mailing_address = models.TextField(_("mailing address"), max_length=500, blank=True)
    profile_picture = models.ImageField(_("profile picture"), upload_to=profile_picture_path, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    country = CountryField(_("country"), blank=True)
    preferred_name = models.CharField(
        _("what should we call you"),
        max_length=80,
        blank=True,
        default="",
        db_default="",  # rows written in bulk (demo data, benchmarks) without it stay valid
        help_text=_("The name we greet you by. Leave it empty to be greeted by your given name."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        default="",
        db_default="",  # blank: not chosen (the country's zone, else the organisation's)
        validators=[validate_time_zone],
        help_text=_("Times on these pages and in our emails are shown in this zone."),
    )
    status = models.CharField(_("account status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(
        _("last seen"),
        null=True,
        blank=True,
        help_text=_("Updated at most once a day (P-43: finds abandoned accounts)."),
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    # Passwords and sign-in bookkeeping stay out of the history table.
    history = HistoricalRecords(excluded_fields=["password", "last_login", "last_seen_at", "email_hash"])

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=(
                    models.Q(status="active", closed_at__isnull=True)
                    | models.Q(status="closed", closed_at__isnull=False)
                ),
                name="accounts_user_closed_at_matches_status",
            ),
        ]
        indexes = [
            models.Index(fields=["last_seen_at"], name="accounts_user_last_seen_idx"),
            # The admin's list at a million customers (apps.core.admin.scale): its order
            # (newest first), and each list filter with that order, read from an index.
            models.Index(fields=["date_joined", "id"], name="accounts_user_joined_idx"),
            models.Index(fields=["status", "date_joined"], name="accounts_user_status_idx"),
            models.Index(fields=["preferred_language", "date_joined"], name="accounts_user_language_idx"),
            models.Index(fields=["country", "date_joined"], name="accounts_user_country_idx"),
            models.Index(fields=["is_staff", "date_joined"], name="accounts_user_staff_idx"),
            models.Index(fields=["phone"], name="accounts_user_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)

    def save(self, *args, **kwargs) -> None:
        self.email_hash = address_hash(self.email) if self.email else ""
        if kwargs.get("update_fields") is not None and "email" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "email_hash"}
        # Signing in saves last_login alone; that is not a change to the person's record,
        # and a history row per sign-in would copy their details once more each time.
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) <= {"last_login"}:
            self.skip_history_when_saving = True
            try:
                super().save(*args, **kwargs)
            finally:
                del self.skip_history_when_saving
            return
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        """The name greetings use: the one they asked for, else their given name, else the email."""
        return (
            self.preferred_name.strip()
            or suggested_preferred_name(self.full_name, country=str(self.country))
            or self.email
        )

    @property
    def greeting_name(self) -> str:
        """The name an email greets them by ("Hello Bảo,"), or "" when the account holds no name
        (an email address is no way to greet anyone; the email then says just "Hello,")."""
        return self.get_short_name() if (self.preferred_name.strip() or self.full_name.strip()) else ""

    @property
    def local_time_zone(self) -> str:
        """The zone their times are shown in: chosen, else their country's, else the organisation's."""
        return self.time_zone or suggested_time_zone(str(self.country))


class LoginEvent(models.Model):
    """One sign-in attempt (P-03): shown to the customer under Security."""

    class Method(models.TextChoices):
        PASSWORD = "password", _("Password")
        GOOGLE = "google", _("Google")
        FACEBOOK = "facebook", _("Facebook")
        OTHER = "other", _("Other provider")

    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="login_events")
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    device = models.CharField(_("device"), max_length=64, blank=True)
    browser = models.CharField(_("browser"), max_length=64, blank=True)
    operating_system = models.CharField(_("operating system"), max_length=64, blank=True)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    succeeded = models.BooleanField(_("succeeded"))

    class Meta:
        verbose_name = _("login event")
        verbose_name_plural = _("login events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-occurred_at"], name="accounts_login_user_time_idx"),
            # The admin's list of ten million sign-ins: its order, its date drilldown, a search by address.
            models.Index(fields=["occurred_at", "id"], name="accounts_login_time_idx"),
            models.Index(fields=["ip_address"], name="accounts_login_ip_idx"),
        ]

    def __str__(self) -> str:
        outcome = "ok" if self.succeeded else "failed"
        return f"{self.method} {outcome} at {self.occurred_at:%Y-%m-%d %H:%M}"


class PublicProfile(models.Model):
    """What the customer chose to make public (P-04). Everything is private by default."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="public_profile")
    handle = models.SlugField(
        _("handle"),
        max_length=40,
        help_text=_("Your public address: /u/<handle>/. Letters, numbers, - and _."),
    )
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    show_display_name = models.BooleanField(_("show my display name"), default=False)
    show_avatar = models.BooleanField(_("show my profile picture"), default=False)
    show_follower_count = models.BooleanField(_("show how many followers I have"), default=False)
    show_followers = models.BooleanField(_("show who follows me"), default=False)
    show_recent_artists = models.BooleanField(_("show artists I recently followed"), default=False)
    history = HistoricalRecords()

    VISIBILITY_FIELDS = (
        "show_display_name",
        "show_avatar",
        "show_follower_count",
        "show_followers",
        "show_recent_artists",
    )

    class Meta:
        verbose_name = _("public profile")
        verbose_name_plural = _("public profiles")
        constraints = [models.UniqueConstraint(Lower("handle"), name="accounts_profile_handle_ci_unique")]

    def __str__(self) -> str:
        return self.handle

    def get_absolute_url(self) -> str:
        return reverse("accounts:public_profile", kwargs={"handle": self.handle})

    @property
    def is_visible(self) -> bool:
        return any(getattr(self, name) for name in self.VISIBILITY_FIELDS)


class Artist(ReferencedModel):
    name = models.CharField(_("name"), max_length=120, unique=True)

    class Meta:
        verbose_name = _("artist")
        verbose_name_plural = _("artists")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ArtistFollow(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="artist_follows")
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="follows")
    followed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "artist"], name="accounts_artistfollow_unique")]
        indexes = [models.Index(fields=["user", "-followed_at"], name="accounts_artfollow_recent_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.artist_id}"


class Follow(models.Model):
    """A customer following another customer: the source of follower counts and lists."""

    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following")
    followed = models.ForeignKey(User, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="accounts_follow_unique"),
            models.CheckConstraint(condition=~models.Q(follower=models.F("followed")), name="accounts_follow_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followed_id}"


class Organisation(models.Model):
    """The data controller (P-05): one row, edited by privacy officers in the admin.

    Shown in the footer of every privacy page and written into every export.
    """

    singleton = models.BooleanField(default=True, editable=False, unique=True)
    name = models.CharField(_("legal name"), max_length=200)
    company_number = models.CharField(_("company number"), max_length=64, blank=True)
    address = models.TextField(_("registered address"), max_length=500)
    country = models.CharField(
        _("country"), max_length=2, blank=True, help_text=_("ISO 3166 code of the registered address, e.g. GB.")
    )
    phone = models.CharField(_("privacy contact phone"), max_length=40, blank=True)
    contact_name = models.CharField(
        _("privacy contact"), max_length=200, blank=True, help_text=_("The team or person people can write to.")
    )
    contact_email = models.EmailField(_("privacy contact email"))
    dpo_name = models.CharField(_("data protection officer"), max_length=200, blank=True)
    dpo_email = models.EmailField(_("data protection officer email"), blank=True)
    security_measures = models.TextField(
        _("security measures"),
        blank=True,
        help_text=_("The technical and organisational measures, in general terms, for the records of processing."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation (data controller)")
        verbose_name_plural = _("organisation (data controller)")
        constraints = [
            models.CheckConstraint(condition=models.Q(singleton=True), name="accounts_organisation_single_row")
        ]

    def __str__(self) -> str:
        return self.name
