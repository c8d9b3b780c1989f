"""Keeping a letter or email with a request, in private storage.

The write behind the admin's upload (there is no attachment service in services.py yet;
it belongs there, next to subject_request_note). Checked by ``forms.check_attachment``.
"""

from __future__ import annotations

from django.db import transaction
from django.http import FileResponse, Http404

from apps.accounts.models import User
from apps.core.files import save_with_file
from apps.subject_requests.admin.forms import ATTACHMENT_TYPES, check_attachment
from apps.subject_requests.models import RequestAttachment, SubjectRequest


@transaction.atomic
def subject_request_attach(*, request: SubjectRequest, upload, actor: User) -> RequestAttachment:
    content_type = getattr(upload, "checked_content_type", None) or check_attachment(upload)
    attachment = RequestAttachment(
        request=request,
        name=(upload.name or "attachment")[:200],
        content_type=content_type,
        size_bytes=upload.size,
        uploaded_by=actor,
    )
    save_with_file(attachment, "file", f"attachment{ATTACHMENT_TYPES[content_type]}", upload)
    # Django has no rollback hook: callers that may fail after attaching (intake) attach last.
    return attachment


def download(attachment: RequestAttachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
