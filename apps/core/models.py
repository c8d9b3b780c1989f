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
