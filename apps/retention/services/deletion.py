"""Writes of account deletion at the customer's request, with a grace period (P-32).

``account_deletion_request`` closes the account for use (signed out everywhere) and
schedules its erasure after the grace period of the ``account-deletion`` rule; signing in
meanwhile cancels it (``account_deletion_cancel``, called from the sign-in signal in
``signals.py``); the daily purge then erases the account through the personal-data engine
and calls ``account_deletion_finish``. The reads (grace period, scheduled deletion, what a
deletion erases and keeps) are in ``selectors/deletion.py``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.actors import SystemActor, record_actor
from apps.core.mail import send_templated_mail
from apps.personal_data.domain import subject_reference
from apps.personal_data.models import ErasureRun
from apps.retention.models import AccountDeletion
from apps.retention.selectors.deletion import grace_period, scheduled_deletion_of

logger = logging.getLogger(__name__)

# The daily purge finishes a deletion once the erasure is done.
FINISH_ACTOR = SystemActor("retention:account-deletion")


def _sign_out_everywhere(user: User) -> int:
    from allauth.usersessions.models import UserSession

    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    UserSession.objects.filter(user=user).delete()
    return Session.objects.filter(session_key__in=keys).delete()[0]


def greeting_name(subject: User | None) -> str:
    return subject.greeting_name if subject is not None else ""


def _email(deletion: AccountDeletion, template: str, to: str, *, name: str | None = None) -> None:
    context = {
        "deletion": deletion,
        "erase_after": deletion.erase_after,
        "sign_in_url": settings.SITE_URL.rstrip("/") + reverse("account_login"),
        # Greeted by the name they are called by. After the erasure the account holds none: the
        # purge reads it just before erasing and hands it over (in memory only, never stored).
        "name": greeting_name(deletion.subject) if name is None else name,
    }
    try:
        zone = deletion.subject.local_time_zone if deletion.subject is not None else ""
        send_templated_mail(f"retention/email/{template}", context, to=to, language=deletion.language, time_zone=zone)
    except Exception:  # the deletion stands either way; the account pages show it
        logger.exception("could not send the %s email of deletion %s", template, deletion.reference)


@transaction.atomic(durable=True)
def account_deletion_request(*, user: User, actor: User | SystemActor) -> AccountDeletion:
    """Schedule ``user``'s erasure after the grace period and sign them out everywhere.

    Asking twice returns the deletion already scheduled.
    """
    locked = User._base_manager.select_for_update().get(pk=user.pk)
    if locked.is_staff or locked.is_superuser:
        # A staff account's erasure would remove an officer's access mid-case; another officer does it.
        raise ValidationError(_("Staff accounts are closed by another privacy officer, not from Your Account."))
    existing = scheduled_deletion_of(locked)
    if existing is not None:
        return existing
    now = timezone.now()
    deletion = AccountDeletion(
        subject=locked,
        subject_reference=subject_reference(locked),
        erase_after=now + grace_period(),
        language=locked.preferred_language,
        notify_email=locked.email,
    )
    deletion.full_clean()
    record_actor(deletion, actor=actor, reason="Account deletion requested")
    deletion.save()
    locked.status = User.Status.CLOSED
    locked.closed_at = now
    record_actor(locked, actor=actor, reason=f"Account deletion {deletion.reference} scheduled")
    locked.save(update_fields=["status", "closed_at"])
    transaction.on_commit(lambda: _sign_out_everywhere(locked))
    transaction.on_commit(lambda: _email(deletion, "deletion_scheduled", deletion.notify_email))
    return deletion


# Not durable: besides the Delete account page, allauth's sign-in signal calls it, inside
# whatever transaction the sign-in runs in.
@transaction.atomic
def account_deletion_cancel(*, user: User, actor: User | SystemActor, reason: str) -> AccountDeletion | None:
    """Cancel ``user``'s scheduled deletion (they signed in, or an officer undid it)."""
    locked = User._base_manager.select_for_update().get(pk=user.pk)
    deletion = (
        AccountDeletion.objects.select_for_update()
        .filter(subject=locked, status=AccountDeletion.Status.SCHEDULED)
        .first()
    )
    if deletion is None:
        return None
    deletion.status = AccountDeletion.Status.CANCELLED
    deletion.cancelled_at = timezone.now()
    record_actor(deletion, actor=actor, reason=reason)
    deletion.save(update_fields=["status", "cancelled_at", "updated_at"])
    locked.status = User.Status.ACTIVE
    locked.closed_at = None
    record_actor(locked, actor=actor, reason=f"Account deletion {deletion.reference} cancelled: {reason}")
    locked.save(update_fields=["status", "closed_at"])
    user.status, user.closed_at = locked.status, locked.closed_at
    transaction.on_commit(lambda: _email(deletion, "deletion_cancelled", locked.email))
    return deletion


def account_deletion_finish(
    *, deletion_id: int, erasure: ErasureRun, actor: SystemActor = FINISH_ACTOR, name: str = ""
) -> AccountDeletion | None:
    """Record the erasure that carried the deletion out, then confirm it by email once, greeting
    them by ``name`` (what they were called before the erasure, when the caller knew it)."""
    with transaction.atomic():
        deletion = AccountDeletion.objects.select_for_update().filter(pk=deletion_id).first()
        if deletion is None or deletion.status == AccountDeletion.Status.DONE:
            return deletion
        deletion.erasure_reference = str(erasure.reference)
        if erasure.status not in (ErasureRun.Status.COMPLETED, ErasureRun.Status.PARTIAL):
            deletion.save(update_fields=["erasure_reference", "updated_at"])
            return deletion  # still erasing: the next run finishes it
        deletion.status = AccountDeletion.Status.DONE
        deletion.finished_at = timezone.now()
        record_actor(deletion, actor=actor, reason="Erased")
        deletion.save(update_fields=["status", "finished_at", "erasure_reference", "updated_at"])
    if deletion.notify_email:
        _email(deletion, "deletion_done", deletion.notify_email, name=name)
        AccountDeletion.objects.filter(pk=deletion.pk).update(notify_email="")
    return deletion
