"""The download link: a signed token naming the export and its owner, and the checks that
decide whether a link may still be used, and by whom."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.personal_data.export.run import EXPORT_LIFETIME
from apps.personal_data.models import DataExport

if TYPE_CHECKING:
    from apps.accounts.models import User  # the subject; AUTH_USER_MODEL at run time

# The salt names the module that first signed these links; kept so links already sent still work.
TOKEN_SALT = "apps.personal_data.exports.download"
TOKEN_MAX_AGE = EXPORT_LIFETIME


class DownloadError(Exception):
    """A download link that cannot be honoured; ``status`` is the HTTP status to answer."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadToken(DownloadError):
    status = 400


class NotFound(DownloadError):
    status = 404


class Gone(DownloadError):
    status = 410


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=TOKEN_SALT)


def export_download_token(export: DataExport) -> str:
    """A signed link token: which export, whose, and when (checked by export_for_download)."""
    return _signer().sign_object({"e": str(export.reference), "u": str(export.subject.reference)})


def export_for_download(*, token: str, user: User) -> DataExport:
    """The READY export ``token`` names, if it belongs to ``user``; else a DownloadError."""
    try:
        payload = _signer().unsign_object(token, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise Gone(_("This download link has expired. Prepare a new download of your data.")) from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadToken(_("This download link is not valid. Use the link on the Your data page.")) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str):
        raise BadToken(_("This download link is not valid. Use the link on the Your data page."))
    not_yours = NotFound(_("There is no download of yours at this link."))
    if payload.get("u") != str(user.reference):
        raise not_yours
    try:
        reference = uuid.UUID(payload["e"])
    except ValueError as exc:
        raise BadToken(_("This download link is not valid. Use the link on the Your data page.")) from exc
    export = DataExport.objects.filter(reference=reference, subject=user).first()
    if export is None:
        raise not_yours
    if export.status == DataExport.Status.EXPIRED or (export.expires_at and export.expires_at <= timezone.now()):
        raise Gone(_("This download has expired and its file was deleted. Prepare a new download of your data."))
    if export.status != DataExport.Status.READY or not export.file:
        raise NotFound(_("This download is not ready yet."))
    return export
