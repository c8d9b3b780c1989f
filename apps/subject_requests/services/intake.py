"""How requests come in: filing from every channel (Your Account, the public form, an officer's
intake by email, phone or letter, Facebook's callback, the command), one open request per
person and type, the email confirmation of the public form, an officer's identity check, and
the letters and emails kept with a request.

A request with a verified identity (signed in, checked by an officer, Facebook's signed
request) opens at once; one from the public form waits for its email confirmation and only
then counts as received. Opening acknowledges it and starts what takes effect at once
(services/requests.py, after_opening).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.accounts.models import User
from apps.core.actors import SystemActor
from apps.core.files import save_with_file
from apps.subject_requests.domain import ATTACHMENT_TYPES, check_attachment
from apps.subject_requests.models import Jurisdiction, RequestAttachment, RequestType, SubjectRequest
from apps.subject_requests.selectors.intake import open_duplicate
from apps.subject_requests.selectors.jurisdictions import jurisdiction_for
from apps.subject_requests.services.deadlines import apply_deadlines
from apps.subject_requests.services.requests import Actor, after_opening, save_with_actor, subject_request_note

Status = SubjectRequest.Status
Channel = SubjectRequest.Channel

CONFIRMATION_LIFETIME = timedelta(days=7)
EARLIEST_RECEIVED_YEAR = 2000  # older dates are typing mistakes (and overflow the deadline arithmetic)


# --- Filing ------------------------------------------------------------------------------------


@transaction.atomic
def subject_request_create(
    *,
    request_type: str,
    channel: str,
    actor: Actor | None,
    subject: User | None = None,
    requester_email: str = "",
    requester_name: str = "",
    jurisdiction: Jurisdiction | None = None,
    received_at: datetime | None = None,
    details: str = "",
    scope: dict[str, Any] | None = None,
    language: str = "",
    verification_method: str = "",
    verification_note: str = "",
) -> tuple[SubjectRequest, bool]:
    """File a request; returns (request, created). An open one of the same type for the
    same person is returned instead of a second (with a note of the repeat on it).

    A request with a verified identity (signed in, checked by an officer, Facebook's signed
    request) opens at once; one from the public form waits for its email confirmation and
    only then counts as received (see subject_request_confirm).
    """
    if request_type not in RequestType.values:
        raise ValidationError({"request_type": _("Unknown request type.")})
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if subject is not None:
        User._base_manager.select_for_update().filter(pk=subject.pk).first()  # one intake at a time per person
        requester_email = requester_email or subject.email
        requester_name = requester_name or subject.full_name
        language = language or subject.preferred_language
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"received_at": _("A request cannot be received in the future.")})
    if received_at.year < EARLIEST_RECEIVED_YEAR:
        raise ValidationError({"received_at": _("Give the date the request was received (after 2000).")})
    # Facebook's callback may name no account we know and gives no address: it is still recorded.
    if not requester_email and subject is None and channel != Channel.FACEBOOK:
        raise ValidationError({"requester_email": _("An email address is needed to reply.")})
    verified = bool(verification_method) and verification_method != SubjectRequest.Verification.EMAIL_LINK
    duplicate = open_duplicate(
        request_type=request_type, subject=subject, email=requester_email, include_unverified=not verified
    )
    if duplicate is not None:
        when = f"{timezone.now():%Y-%m-%d %H:%M} UTC"
        note = f"Asked again through {Channel(channel).label} on {when}; not filed twice."
        subject_request_note(request=duplicate, actor=actor, body=note)
        return duplicate, False
    request = SubjectRequest(
        request_type=request_type,
        channel=channel,
        subject=subject,
        requester_email=requester_email,
        requester_name=requester_name,
        language=(language or "en")[:8],
        jurisdiction=jurisdiction
        or jurisdiction_for(country=str(subject.country) if subject is not None and subject.country else ""),
        received_at=received_at,
        details=details.strip(),
        scope=scope or {},
        verification_method=verification_method,
        verification_note=verification_note.strip(),
        status=Status.OPEN if verified else Status.AWAITING_VERIFICATION,
    )
    if verified:
        request.verified_at = timezone.now()
    apply_deadlines(request)
    save_with_actor(request, actor=actor, reason=f"Request received ({Channel(channel).label})")
    if verified:
        after_opening(request.pk)
    return request, True


def _link_if_duplicate(request: SubjectRequest, *, actor: Actor | None) -> SubjectRequest | None:
    """A request just verified that repeats an open one is closed as linked to it; returns that one."""
    same = Q(pk__in=[])
    if request.subject_id:
        same |= Q(subject_id=request.subject_id)
    if request.requester_email:
        same |= Q(requester_email__iexact=request.requester_email)
    duplicate = (
        SubjectRequest.objects.filter(same, request_type=request.request_type, status__in=SubjectRequest.OPEN_STATUSES)
        .exclude(pk=request.pk)
        .exclude(status=Status.AWAITING_VERIFICATION)
        .order_by("received_at")
        .first()
    )
    if duplicate is None:
        return None
    request.duplicate_of = duplicate
    request.status = Status.WITHDRAWN
    request.closed_at = timezone.now()
    request.outcome = gettext_noop("Linked to an open request of the same type for the same person.")
    apply_deadlines(request)
    save_with_actor(request, actor=actor, reason=f"Verified; same as {duplicate.reference}")
    subject_request_note(
        request=duplicate, actor=None, body=f"Asked again: {request.reference} was linked to this one."
    )
    return duplicate


# --- Identity: the public form's email confirmation, an officer's check ------------------------


def _confirmation_digest(request: SubjectRequest, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{request.reference}:{code.strip().upper()}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def subject_request_issue_confirmation(*, request: SubjectRequest) -> str:
    """A fresh code for the public form's confirmation email; only its keyed digest is stored."""
    code = "".join(secrets.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(8))
    request = SubjectRequest.objects.select_for_update().get(pk=request.pk)
    request.confirmation_digest = _confirmation_digest(request, code)
    # Never beyond 7 days from the first submission: that is when the unconfirmed request and
    # what was entered with it are deleted (the unconfirmed-requests retention rule).
    request.confirmation_expires_at = min(timezone.now(), request.created_at) + CONFIRMATION_LIFETIME
    request.save(update_fields=["confirmation_digest", "confirmation_expires_at", "updated_at"])
    return code


@transaction.atomic(durable=True)
def subject_request_confirm(*, reference: str, code: str) -> SubjectRequest:
    """The requester proved they read the address given: the request now exists and its clock runs.

    Raises ValidationError (never saying which part was wrong) for an unknown reference, a
    wrong or expired code, or a request no longer awaiting confirmation.
    """
    refused = ValidationError(_("This confirmation link or code is not valid, or has expired."))
    request = SubjectRequest.objects.select_for_update().filter(reference=reference).first()
    if request is None or request.status != Status.AWAITING_VERIFICATION or not request.confirmation_digest:
        raise refused
    expected = _confirmation_digest(request, code)
    if not hmac.compare_digest(expected, request.confirmation_digest):
        raise refused
    if request.confirmation_expires_at is None or request.confirmation_expires_at < timezone.now():
        raise refused
    now = timezone.now()
    request.status = Status.OPEN
    request.verified_at = now
    request.received_at = now  # a valid request is received when its sender is known
    request.verification_method = SubjectRequest.Verification.EMAIL_LINK
    request.confirmation_digest = ""
    request.confirmation_expires_at = None
    if request.subject is None:
        # The link proves control of the address: an account with it is the subject.
        request.subject = User.objects.filter(email__iexact=request.requester_email, is_active=True).first()
    request.paused_since, request.paused_days = None, 0  # the clock starts now, from zero
    duplicate = _link_if_duplicate(request, actor=SystemActor("public-form"))
    if duplicate is not None:
        return duplicate
    apply_deadlines(request)
    save_with_actor(request, actor=SystemActor("public-form"), reason="Email address confirmed")
    after_opening(request.pk)
    return request


@transaction.atomic
def subject_request_verify(*, request: SubjectRequest, actor: User, note: str) -> SubjectRequest:
    """An officer checked the identity of someone whose request awaited verification: it opens now.

    As at intake: the clock starts now, the request is acknowledged and, for the types that
    take effect at once, carried out.
    """
    locked = SubjectRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != Status.AWAITING_VERIFICATION:
        raise ValidationError(_("Only a request awaiting verification can be verified."))
    if not note.strip():
        raise ValidationError({"verification_note": _("Say how the identity was checked.")})
    now = timezone.now()
    locked.status = Status.OPEN
    locked.verified_at = now
    locked.received_at = now
    locked.verification_method = SubjectRequest.Verification.OFFICER
    locked.verification_note = note.strip()
    locked.confirmation_digest = ""
    locked.confirmation_expires_at = None
    if locked.subject is None:
        locked.subject = User.objects.filter(email__iexact=locked.requester_email, is_active=True).first()
    locked.paused_since, locked.paused_days = None, 0  # the clock starts now, from zero
    duplicate = _link_if_duplicate(locked, actor=actor)
    if duplicate is not None:
        request.__dict__.update(locked.__dict__)
        return duplicate
    apply_deadlines(locked)
    save_with_actor(locked, actor=actor, reason="Identity checked by an officer")
    after_opening(locked.pk)
    request.__dict__.update(locked.__dict__)
    return locked


# --- Letters and emails kept with a request, and the officer's intake ---------------------------


@transaction.atomic
def subject_request_attach(*, request: SubjectRequest, upload, actor: User) -> RequestAttachment:
    """Keep a letter or email received for a request, in private storage (checked by
    domain.check_attachment unless the form's field already did)."""
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


@transaction.atomic(durable=True)
def subject_request_intake_file(
    *,
    actor: User,
    request_type: str,
    channel: str,
    subject: User | None,
    requester_email: str,
    requester_name: str,
    jurisdiction: Jurisdiction | None,
    received_at: datetime,
    details: str,
    verification_note: str,
    attachment=None,
) -> tuple[SubjectRequest, bool]:
    """An officer records a request received by email, phone or letter (admin/intake.py), with
    the email or letter itself when given; returns (request, created) as subject_request_create.

    The attachment is kept last, so a refused file leaves no request behind (and no file:
    save_with_file removes it when its row cannot be saved).
    """
    filed, created = subject_request_create(
        request_type=request_type,
        channel=channel,
        actor=actor,
        subject=subject,
        requester_email=requester_email,
        requester_name=requester_name,
        jurisdiction=jurisdiction,
        received_at=received_at,
        details=details,
        verification_method=SubjectRequest.Verification.OFFICER,
        verification_note=verification_note,
    )
    if attachment:
        subject_request_attach(request=filed, upload=attachment, actor=actor)
    return filed, created
