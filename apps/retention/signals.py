"""Signing in during the grace period cancels the account's deletion (P-32)."""

from __future__ import annotations

from django.contrib import messages
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.retention.services.deletion import account_deletion_cancel

# Set in the new, signed-out session after a deletion is scheduled; read by the confirmation page.
SCHEDULED_SESSION_KEY = "retention_deletion_scheduled"


def cancelled_message() -> str:
    return _("Your account deletion was cancelled. Your account and your data stay as they were.")


def cancel_deletion_on_sign_in(sender, request, user, **kwargs) -> None:
    """Connected to allauth's ``user_logged_in`` (password, code or social sign-in) in ready().

    A scheduled deletion closes the account (status closed, still active), so an open account
    costs no extra query on each sign-in.
    """
    if request is not None and hasattr(request, "session"):
        # The confirmation page of an earlier request in this browser no longer applies.
        request.session.pop(SCHEDULED_SESSION_KEY, None)
    if user.status != User.Status.CLOSED:
        return
    cancelled = account_deletion_cancel(user=user, actor=user, reason="The customer signed in during the grace period")
    if cancelled is not None and request is not None:
        messages.success(request, cancelled_message(), fail_silently=True)
