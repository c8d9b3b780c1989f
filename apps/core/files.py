"""Saving a row together with its uploaded file."""

from __future__ import annotations

import logging

from django.core.files import File
from django.db import models, transaction

logger = logging.getLogger(__name__)


def save_with_file(instance: models.Model, field: str, filename: str, content: File) -> models.Model:
    """Write ``content`` to ``instance.<field>`` under ``filename``, then validate and save the row.

    If the row cannot be saved, the file just written is deleted, so no file is left without
    its row. (A transaction rolled back later is the caller's to handle: attach last.)

    The file is written before any transaction of this function's own: a caller outside one
    (a large upload) holds no database lock while the bytes travel to storage; the row and
    what its save writes along (its history) are saved together.
    """
    file = getattr(instance, field)
    file.save(filename, content, save=False)
    name, storage = file.name, file.storage
    try:
        with transaction.atomic():
            instance.full_clean()
            instance.save()
    except Exception:
        try:
            storage.delete(name)
        except Exception:  # the storage went away too: the row's error is the one to raise
            logger.warning("An uploaded file whose row was not saved could not be deleted: %s", name)
        raise
    return instance
