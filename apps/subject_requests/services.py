"""Writes of subject requests: intake, identity, deadlines and every status change.

Each change is one service call naming its actor and reason; simple-history records it,
and the request's history is the timeline officers and subjects see. Execution of each
type (export, erasure, ledger entries …) lives in execution.py and runs in the worker.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.actors import SystemActor, record_actor
from apps.core.clock import date_in, today_in
from apps.subject_requests.deadlines import compute, end_of_day
from apps.subject_requests.models import Jurisdiction, RequestMessage, RequestType, SubjectRequest

logger = logging.getLogger(__name__)

Status = SubjectRequest.Status
Channel = SubjectRequest.Channel
Actor = User | SystemActor

CONFIRMATION_LIFETIME = timedelta(days=7)
EARLIEST_RECEIVED_YEAR = 2000  # older dates are typing mistakes (and overflow the deadline arithmetic)

# The transitions a service may make; the admin shows buttons for these only.
TRANSITIONS: dict[str, set[str]] = {
    Status.AWAITING_VERIFICATION: {Status.OPEN, Status.EXPIRED, Status.WITHDRAWN},
    Status.OPEN: {Status.IN_PROGRESS, Status.REJECTED, Status.WITHDRAWN},
    Status.IN_PROGRESS: {Status.AWAITING_APPROVAL, Status.COMPLETED, Status.REJECTED, Status.WITHDRAWN},
    Status.AWAITING_APPROVAL: {Status.IN_PROGRESS, Status.COMPLETED, Status.REJECTED},
}

# EU and EEA member states, for choosing the jurisdiction from an account's country.
EU_COUNTRIES = set(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
    ]
)


# --- Jurisdiction and deadlines ---------------------------------------------------------------


def jurisdiction_for(*, country: str = "", code: str = "") -> Jurisdiction:
    """The rule a request falls under: the one chosen at intake, else the account's country's."""
    if code:
        found = Jurisdiction.objects.filter(code=code).first()
        if found is None:
            raise ValidationError(_("Unknown jurisdiction: %(code)s") % {"code": code})
        return found
    country = (country or "").upper()
    guessed = "uk" if country == "GB" else "eu" if country in EU_COUNTRIES else "vn" if country == "VN" else ""
    if country == "US":
        guessed = "us-ca"
    guessed = guessed or getattr(settings, "SUBJECT_REQUESTS_DEFAULT_JURISDICTION", "uk")
    found = Jurisdiction.objects.filter(code=guessed).first() or Jurisdiction.objects.order_by("pk").first()
    if found is None:
        raise ValidationError(_("No jurisdiction rules are set up."))
    return found


def apply_deadlines(request: SubjectRequest, *, extended: bool = False) -> None:
    """Set acknowledge-by, due and (when extended) extended-to from the rule and the pauses so far."""
    terms = request.jurisdiction.terms(request.request_type)
    deadlines = compute(terms, received_at=request.received_at, paused_days=request.paused_days)
    request.acknowledge_by = deadlines.acknowledge_by
    request.due_at = end_of_day(deadlines.due_on, terms.timezone)
    if extended and deadlines.extended_due_on is not None:
        request.extended_to = end_of_day(deadlines.extended_due_on, terms.timezone)


def _save(request: SubjectRequest, *, actor: Actor | None, reason: str) -> SubjectRequest:
    request.full_clean()
    record_actor(request, actor=actor, reason=reason)
    request.save()
    return request


# --- Intake ------------------------------------------------------------------------------------


def open_duplicate(
    *, request_type: str, subject: User | None, email: str, include_unverified: bool = False
) -> SubjectRequest | None:
    """An open request of the same type for the same person, if there is one.

    Requests still awaiting their email confirmation do not exist yet, so they count only for
    another unverified one (the public form sent twice re-sends the first one's code).
    """
    open_requests = SubjectRequest.objects.filter(request_type=request_type, status__in=SubjectRequest.OPEN_STATUSES)
    if not include_unverified:
        open_requests = open_requests.exclude(status=Status.AWAITING_VERIFICATION)
    same = Q(pk__in=[])
    if subject is not None:
        same |= Q(subject=subject)
    if email:
        # A request filed by address alone (a letter, the public form) is the same person's.
        by_address = Q(requester_email__iexact=email)
        same |= (by_address & Q(subject__isnull=True)) if subject is not None else by_address
    return open_requests.filter(same).order_by("received_at").first()


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
    request.outcome = "Linked to an open request of the same type for the same person."
    apply_deadlines(request)
    _save(request, actor=actor, reason=f"Verified; same as {duplicate.reference}")
    subject_request_note(
        request=duplicate, actor=None, body=f"Asked again: {request.reference} was linked to this one."
    )
    return duplicate


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
    _save(request, actor=actor, reason=f"Request received ({Channel(channel).label})")
    if verified:
        transaction.on_commit(lambda: _after_opening(request.pk))
    return request, True


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


@transaction.atomic
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
    _save(request, actor=SystemActor("public-form"), reason="Email address confirmed")
    transaction.on_commit(lambda: _after_opening(request.pk))
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
    _save(locked, actor=actor, reason="Identity checked by an officer")
    transaction.on_commit(lambda: _after_opening(locked.pk))
    request.__dict__.update(locked.__dict__)
    return locked


def _after_opening(request_pk: int) -> None:
    """Acknowledge by email and start what runs at once (objections to direct marketing, withdrawals)."""
    from apps.subject_requests.tasks import acknowledge_task, execute_task

    acknowledge_task.delay(request_pk)
    request = SubjectRequest.objects.filter(pk=request_pk).first()
    if request is not None and request.request_type in IMMEDIATE_TYPES:
        execute_task.delay(request_pk)


# Types that take effect at once, without an officer: an objection to direct marketing is
# absolute, and withdrawing consent must be as easy as giving it.
IMMEDIATE_TYPES = {RequestType.WITHDRAWAL, RequestType.OBJECTION}


# --- Status changes ----------------------------------------------------------------------------


def allowed_transitions(request: SubjectRequest) -> set[str]:
    allowed = set(TRANSITIONS.get(request.status, set()))
    if (request.execution or {}).get("erasure"):
        # The worker has begun erasing: it cannot be called back, so the request cannot be
        # withdrawn or refused any more (it completes when the erasure ends).
        allowed -= {Status.WITHDRAWN, Status.REJECTED}
    return allowed


@transaction.atomic
def subject_request_transition(
    *, request: SubjectRequest, to_status: str, actor: Actor | None, reason: str, outcome: str = ""
) -> SubjectRequest:
    """Move a request to ``to_status`` if the lifecycle allows it; rejection needs a reason."""
    locked = SubjectRequest.objects.select_for_update().get(pk=request.pk)
    if to_status not in allowed_transitions(locked):
        if (locked.execution or {}).get("erasure") and to_status in (Status.WITHDRAWN, Status.REJECTED):
            raise ValidationError(_("The erasure is already under way and cannot be stopped; it completes shortly."))
        raise ValidationError(
            _("A request that is %(status)s cannot become %(target)s.")
            % {"status": locked.get_status_display(), "target": Status(to_status).label}
        )
    if to_status == Status.REJECTED and not reason.strip():
        raise ValidationError({"rejection_reason": _("Say why the request is rejected; the subject is told.")})
    if to_status == Status.AWAITING_APPROVAL and not getattr(actor, "pk", None):
        raise ValidationError(_("Only an officer sends a request for approval."))
    if locked.paused_since is not None and to_status in SubjectRequest.CLOSED_STATUSES:
        _resume(locked)
    locked.status = to_status
    if to_status == Status.REJECTED:
        locked.rejection_reason = reason.strip()
    if outcome:
        locked.outcome = outcome.strip()
    if to_status in SubjectRequest.CLOSED_STATUSES:
        locked.closed_at = timezone.now()
    _save(locked, actor=actor, reason=reason or Status(to_status).label)
    if to_status in (Status.COMPLETED, Status.REJECTED):
        transaction.on_commit(lambda: _tell_subject_closed(locked.pk))
    request.__dict__.update(locked.__dict__)
    return locked


def _tell_subject_closed(request_pk: int) -> None:
    from apps.subject_requests.notifications import notify_closed

    notify_closed(request_pk)


@transaction.atomic
def subject_request_acknowledge(*, request: SubjectRequest, actor: Actor | None) -> SubjectRequest:
    locked = SubjectRequest.objects.select_for_update().get(pk=request.pk)
    if locked.acknowledged_at is None:
        locked.acknowledged_at = timezone.now()
        _save(locked, actor=actor, reason="Acknowledged")
    return locked


@transaction.atomic
def subject_request_pause(*, request: SubjectRequest, actor: Actor, reason: str) -> SubjectRequest:
    """Stop the clock while waiting for identity or clarification (where the rule allows it)."""
    locked = SubjectRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open or locked.paused_since is not None or locked.status == Status.AWAITING_VERIFICATION:
        raise ValidationError(_("Only an open request that is not paused can be paused."))
    if not locked.jurisdiction.pauses_clock:
        raise ValidationError(_("Under %(law)s the clock does not stop.") % {"law": locked.jurisdiction.name})
    if not reason.strip():
        raise ValidationError({"reason": _("Say what you are waiting for; the subject is told.")})
    locked.paused_since = timezone.now()
    _save(locked, actor=actor, reason=f"Clock paused: {reason.strip()}")
    # The subject is asked for what is missing: the reason is written to them.
    _write_to_subject(locked, actor=actor, body=reason)
    return locked


def _resume(request: SubjectRequest) -> None:
    # Whole days stopped, counted on the calendar the deadline is counted on (the rule's zone).
    where = request.jurisdiction.timezone
    days = max(0, (today_in(where) - date_in(request.paused_since, where)).days)
    request.paused_days += days
    request.paused_since = None
    apply_deadlines(request, extended=request.extended_to is not None)


@transaction.atomic
def subject_request_resume(*, request: SubjectRequest, actor: Actor, reason: str = "") -> SubjectRequest:
    locked = SubjectRequest.objects.select_for_update().get(pk=request.pk)
    if locked.paused_since is None:
        raise ValidationError(_("This request is not paused."))
    _resume(locked)
    return _save(locked, actor=actor, reason=f"Clock resumed{': ' + reason.strip() if reason.strip() else ''}")


@transaction.atomic
def subject_request_extend(*, request: SubjectRequest, actor: Actor, reason: str) -> SubjectRequest:
    """Extend once, as the rule allows, telling the subject why before the original date passes."""
    locked = SubjectRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open:
        raise ValidationError(_("Only an open request can be extended."))
    if locked.extended_to is not None:
        raise ValidationError(_("This request was already extended; the law allows it once."))
    if locked.jurisdiction.terms(locked.request_type).extension is None:
        raise ValidationError(_("This rule allows no extension."))
    if locked.due_at is not None and timezone.now() > locked.due_at:
        raise ValidationError(_("The original deadline has passed; an extension had to be sent before it."))
    if not reason.strip():
        raise ValidationError({"extension_reason": _("Give the reasons; the subject is sent them.")})
    locked.extension_reason = reason.strip()
    apply_deadlines(locked, extended=True)
    _save(locked, actor=actor, reason=f"Extended to {locked.extended_to:%Y-%m-%d}")
    _write_to_subject(locked, actor=actor, body=reason)
    return locked


@transaction.atomic
def subject_requests_assign(*, requests: list[SubjectRequest], assignee: User | None, actor: User) -> int:
    if assignee is not None and not assignee.is_staff:
        raise ValidationError(_("Requests are assigned to staff only."))
    count = 0
    for request in SubjectRequest.objects.select_for_update().filter(pk__in=[r.pk for r in requests]):
        if request.assignee_id == (assignee.pk if assignee else None):
            continue
        request.assignee = assignee
        _save(request, actor=actor, reason=f"Assigned to {assignee}" if assignee else "Unassigned")
        count += 1
    return count


# --- Messages ----------------------------------------------------------------------------------


def subject_request_note(*, request: SubjectRequest, actor: Actor | None, body: str) -> RequestMessage:
    """An internal note: officers only, never shown or sent to the subject."""
    if not body.strip():
        raise ValidationError({"body": _("Write the note.")})
    return RequestMessage.objects.create(
        request=request,
        kind=RequestMessage.Kind.INTERNAL,
        author=actor if isinstance(actor, User) else None,
        body=body.strip(),
    )


@transaction.atomic
def subject_request_message(*, request: SubjectRequest, actor: User, body: str) -> RequestMessage:
    """A message between the subject and the officers: emailed to the subject when an officer writes."""
    if not body.strip():
        raise ValidationError({"body": _("Write the message.")})
    from_subject = request.subject_id is not None and actor.pk == request.subject_id
    if from_subject and not request.is_open:
        raise ValidationError(_("This request is closed. To ask something new, make a new request."))
    if not from_subject:
        return _write_to_subject(request, actor=actor, body=body)
    message = RequestMessage.objects.create(
        request=request, kind=RequestMessage.Kind.FROM_SUBJECT, author=actor, body=body.strip()
    )
    transaction.on_commit(lambda: _tell_officers(request.pk))
    return message


def _tell_officers(request_pk: int) -> None:
    from apps.subject_requests.notifications import notify_officers_of_message

    notify_officers_of_message(request_pk)


def _write_to_subject(request: SubjectRequest, *, actor: Actor | None, body: str) -> RequestMessage:
    """A message to the subject from the officers (shown on their request, emailed after commit)."""
    message = RequestMessage.objects.create(
        request=request,
        kind=RequestMessage.Kind.TO_SUBJECT,
        author=actor if isinstance(actor, User) else None,
        body=body.strip(),
    )
    transaction.on_commit(lambda: _send_message_email(request.pk))
    return message


def _send_message_email(request_pk: int) -> None:
    from apps.subject_requests.notifications import notify_messages

    notify_messages(request_pk)
