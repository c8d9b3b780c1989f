"""Background work of the service data: the calendar import queued at a Google sign-in."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def calendar_import_task(user_id: int) -> str:
    """Import the customer's Google Calendar once, with the token allauth has just stored.

    Takes the user's id only: the token never travels through the broker. Safe to run twice
    (the import is keyed by Google's event ids). No retries: the token is short-lived, and the
    customer can import again from Your Account while it lasts.
    """
    from apps.accounts.models import User
    from apps.service_data.services.calendar import CalendarImportError, calendar_import_google

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return "no such user"
    try:
        result = calendar_import_google(owner=user)
    except CalendarImportError as exc:
        # Logged by the user's opaque reference, never their email or the token.
        logger.info("calendar import for user:%s skipped: %s", user.reference, " ".join(exc.messages))
        return "skipped"
    return f"created {result.created}, updated {result.updated}, removed {result.removed}"
