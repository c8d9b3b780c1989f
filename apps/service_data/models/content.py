"""Files and shared posts a customer places in the service, and the optional kinds they refuse."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import ReferencedModel, TimestampedModel


def content_storage() -> Storage:
    """The storage named "content": the local filesystem in the embedded default, S3-compatible
    object storage in production (config/settings/base.py, CONTENT_STORAGE_URL). A callable, so
    the migration records no path and tests may point it elsewhere."""
    return storages["content"]


def content_path(instance: ContentItem, filename: str) -> str:
    # A random name: the stored path reveals neither the customer nor the file's own name
    # (kept in ``original_name``); two hex characters fan the files out over folders.
    token = uuid.uuid4().hex
    return f"content/{token[:2]}/{token}{PurePosixPath(filename).suffix.lower()[:10]}"


class OptionalKind(models.TextChoices):
    """Data the customer may refuse to give (P-01, P-38). Refusing deletes what was given and
    stops the service from taking more of it until the customer allows it again."""

    CALENDAR = "calendar", _("Calendar entries")
    IMAGES = "images", _("Images")
    VIDEOS = "videos", _("Videos")
    VOICE_CLIPS = "voice_clips", _("Voice clips")
    LOCATION = "location", _("Location")


class ContentItem(ReferencedModel, TimestampedModel):
    """One file the customer uploaded: a document, an image, a video or a voice clip."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")
        VOICE_CLIP = "voice_clip", _("Voice clip")

    # Kinds the customer may refuse; documents are the service itself (its "Content").
    OPTIONAL = {
        Kind.IMAGE: OptionalKind.IMAGES,
        Kind.VIDEO: OptionalKind.VIDEOS,
        Kind.VOICE_CLIP: OptionalKind.VOICE_CLIPS,
    }

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="content_items")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=content_path, storage=content_storage, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.BigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The file's CRC-32, recorded with its SHA-256 when it was stored. The export checks the
    # bytes it copies against it (the ZIP computes a CRC-32 of every entry anyway) and then
    # gives the SHA-256 above without hashing the file again. Empty for files stored before
    # it was recorded: the export hashes those as it copies them.
    crc32 = models.BigIntegerField(_("CRC-32"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("content item")
        verbose_name_plural = _("content items")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


class SharedPost(ReferencedModel, TimestampedModel):
    """Text, with an optional picture, that the customer shared in the service."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shared_posts")
    text = models.TextField(_("text"), max_length=5000)
    picture = models.ForeignKey(
        ContentItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("picture")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("shared post")
        verbose_name_plural = _("shared posts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class OptionalKindRefusal(models.Model):
    """The customer refused one optional kind (P-38); deleting the row allows it again. History
    keeps when each refusal was made and lifted."""

    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="optional_refusals")
    kind = models.CharField(_("kind"), max_length=16, choices=OptionalKind.choices)
    refused_at = models.DateTimeField(_("refused at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("refused optional data")
        verbose_name_plural = _("refused optional data")
        constraints = [models.UniqueConstraint(fields=["subject", "kind"], name="one_refusal_per_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()
