"""Writes of legal holds (P-42): officers place, change and release them; reminders of due reviews.

Every write here names its actor (``record_actor``) so simple-history records who and why.
The reads (the engine's view of holds, the reviews due) are in ``selectors/holds.py``.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.actors import SystemActor, record_actor
from apps.core.clock import organisation_today
from apps.core.mail import send_templated_mail
from apps.retention.models import LegalHold
from apps.retention.selectors.holds import legal_hold_reminder_recipients, legal_holds_due_for_review

logger = logging.getLogger(__name__)

REMINDER_ACTOR = SystemActor("retention:hold-review-reminders")


# Not durable: the admin saves a hold inside its change form's transaction (save_model), as
# for legal_hold_update.
@transaction.atomic
def legal_hold_place(
    *,
    subject: User,
    actor: User,
    reason: str,
    review_on: date,
    categories: list[str] | None = None,
    note: str = "",
) -> LegalHold:
    """Hold ``subject``'s data (every category when ``categories`` is empty) until released.

    From the commit on, erasures and purges keep what the hold covers (the engine asks
    ``apps.retention.selectors.holds.legal_holds_of``).
    """
    hold = LegalHold(
        subject=subject,
        placed_by=actor,
        reason=reason,
        review_on=review_on,
        categories=sorted(set(categories or [])),
        note=note.strip(),
    )
    hold.full_clean()
    record_actor(hold, actor=actor, reason="legal hold placed")
    hold.save()
    return hold


@transaction.atomic
def legal_hold_update(
    *, hold: LegalHold, actor: User, reason: str, review_on: date, categories: list[str] | None = None, note: str = ""
) -> LegalHold:
    """Change an active hold's scope, reason, note or review date. A released hold is final."""
    locked = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if not locked.is_active:
        raise ValidationError(_("This hold was released; a released hold cannot be changed."))
    review_changed = locked.review_on != review_on
    locked.reason = reason
    locked.review_on = review_on
    locked.categories = sorted(set(categories or []))
    locked.note = note.strip()
    if review_changed:
        locked.review_reminded_on = None  # a new review date gets its own reminder
    locked.full_clean()
    record_actor(locked, actor=actor, reason="legal hold changed")
    locked.save()
    return locked


# Not durable: billing releases an unpaid invoice's hold in the transaction that records the
# payment settling it (apps/service_data/services/billing.py), so the two commit together.
@transaction.atomic
def legal_hold_release(*, hold: LegalHold, actor: User, note: str) -> LegalHold:
    """Release a hold: the next purge carries out the deletions it held back."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"release_note": _("Say why the hold is released (for example, the case closed).")})
    locked = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if not locked.is_active:
        raise ValidationError(_("This hold was already released."))
    locked.released_at = timezone.now()
    locked.released_by = actor
    locked.release_note = note
    locked.full_clean()
    record_actor(locked, actor=actor, reason="legal hold released")
    locked.save()
    return locked


def legal_hold_remind_reviews(
    *, now: datetime | None = None, dry_run: bool = False, actor: SystemActor = REMINDER_ACTOR
) -> list[LegalHold]:
    """Email a reminder for each active hold whose review date has come, once per review date.

    Re-runnable (beat daily, and ``manage.py remind_hold_reviews``): a hold is marked in the
    same transaction that queues its email, and a failed email unmarks it for the next run.
    """
    today = organisation_today(now=now)
    due = list(legal_holds_due_for_review(today))
    if dry_run:
        return due
    reminded = []
    for candidate in due:
        with transaction.atomic():
            hold = LegalHold.objects.select_for_update().select_related("placed_by").get(pk=candidate.pk)
            reminded_already = hold.review_reminded_on is not None and hold.review_reminded_on >= hold.review_on
            if not hold.is_active or hold.review_on > today or reminded_already:
                continue  # released, postponed or reminded meanwhile
            hold.review_reminded_on = today
            record_actor(hold, actor=actor, reason="review reminder sent")
            hold.save(update_fields=["review_reminded_on", "updated_at"])
            recipients = legal_hold_reminder_recipients(hold)
            transaction.on_commit(partial(_send_reminder, hold, recipients))
        reminded.append(hold)
    return reminded


def _send_reminder(hold: LegalHold, recipients: list[User]) -> None:
    # No customer data in the email: the hold's reference and a link to it in the admin.
    context = {
        "hold": hold,
        "reason": hold.get_reason_display(),
        "review_on": hold.review_on,
        "url": settings.SITE_URL.rstrip("/") + reverse("admin:retention_legalhold_change", args=[hold.pk]),
    }
    try:
        if not recipients:
            raise RuntimeError("no active privacy officer to remind")
        for officer in recipients:
            send_templated_mail(
                "retention/email/hold_review",
                {**context, "name": officer.greeting_name},  # "Hello Olivia," as every email greets
                to=officer.email,
                language=officer.preferred_language,
            )
    except Exception:
        logger.exception("Could not send the review reminder of legal hold %s; the next run retries.", hold.reference)
        LegalHold.objects.filter(pk=hold.pk, review_reminded_on=hold.review_reminded_on).update(review_reminded_on=None)
