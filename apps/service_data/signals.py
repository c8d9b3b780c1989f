"""A Google sign-in with calendar access queues one calendar import (P-02), while the token lives."""

from __future__ import annotations

from apps.core.jobs import job_enqueue
from apps.service_data.services.calendar import CALENDAR_IMPORT_JOB, calendar_import_possible


def import_calendar_on_google_sign_in(sender, request, user, **kwargs) -> None:
    """Connected to allauth's ``user_logged_in`` in ServiceDataConfig.ready.

    Only a social sign-in through Google brings a fresh token; any other sign-in does nothing.
    The import runs in the worker after the commit (the token is saved in the same transaction):
    the job row commits with the sign-in and is sent to a worker after it.
    """
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is None or getattr(sociallogin.account, "provider", "") != "google":
        return
    if not calendar_import_possible(owner=user):
        return
    job_enqueue(kind=CALENDAR_IMPORT_JOB, target=user.pk)
