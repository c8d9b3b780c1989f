"""Background work of the service data, as jobs (apps/core/jobs/); loaded by ServiceDataConfig.ready.

- content: the stored file of a deleted content item (a customer's deletion or refusal of an
  optional kind), tried again with backoff until the storage has deleted it.
- calendar: the import queued at a Google sign-in (P-02). The job's target is the user's id:
  the token never travels through the broker. One attempt: the token is short-lived, and the
  customer can import again from Your Account while it lasts.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _

from apps.core.jobs import JobKind, register_job_kind
from apps.service_data.services import content
from apps.service_data.services.calendar import CALENDAR_IMPORT_JOB, CalendarImportError, calendar_import_google

logger = logging.getLogger(__name__)


def calendar_import_after_sign_in(target: str) -> str:
    """Import the customer's Google Calendar once, with the token allauth has just stored. Safe
    to run twice (the import is keyed by Google's event ids)."""
    from apps.accounts.models import User

    user = User.objects.filter(pk=int(target), is_active=True).first()
    if user is None:
        return "no such user"
    try:
        result = calendar_import_google(owner=user)
    except CalendarImportError as exc:
        # Logged by the user's opaque reference, never their email or the token.
        logger.info("calendar import for user:%s skipped: %s", user.reference, " ".join(exc.messages))
        return "skipped"
    return f"created {result.created}, updated {result.updated}, removed {result.removed}"


register_job_kind(
    JobKind(
        name=content.CONTENT_FILE_JOB,
        label=_("Deleting a customer's file"),
        run=lambda target, heartbeat: content.content_file_delete(name=target),
        # A storage that stays away for long: the file is still owed; officers see the job.
        max_attempts=50,
    )
)
register_job_kind(
    JobKind(
        name=CALENDAR_IMPORT_JOB,
        label=_("Importing a customer's Google calendar"),
        run=lambda target, heartbeat: calendar_import_after_sign_in(target),
        max_attempts=1,
    )
)
