"""Setting a request's deadlines from its jurisdiction's rule (domain.compute): at intake, on
an extension, and when a paused clock resumes. The helpers change the request in memory; the
service that calls them saves it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.core.clock import date_in, today_in
from apps.subject_requests.domain import compute
from apps.subject_requests.models import DeadlineRule, SubjectRequest


def apply_deadlines(request: SubjectRequest, *, extended: bool = False) -> None:
    """Set acknowledge-by, due and (when extended) extended-to from the rule and the pauses so far."""
    # The rule in force on the day it was received, not today's (a law may have changed since).
    try:
        terms = request.jurisdiction.terms(request.request_type, received_at=request.received_at)
    except DeadlineRule.DoesNotExist:
        raise ValidationError(
            {"jurisdiction": _("%(name)s has no deadline rule yet; choose another.") % {"name": request.jurisdiction}}
        ) from None
    deadlines = compute(terms, received_at=request.received_at, paused_days=request.paused_days)
    request.acknowledge_by = deadlines.acknowledge_by
    request.due_at = deadlines.due_at
    if extended and deadlines.extended_due_at is not None:
        request.extended_to = deadlines.extended_due_at


def resume_clock(request: SubjectRequest) -> None:
    """Count the days the clock stood still and move the deadlines by them (not saved here)."""
    # Whole days stopped, counted on the calendar the deadline is counted on (the rule's zone).
    assert request.paused_since is not None, "only a paused clock resumes (the callers check)"
    where = request.jurisdiction.timezone
    days = max(0, (today_in(where) - date_in(request.paused_since, where)).days)
    request.paused_days += days
    request.paused_since = None
    before = (request.acknowledge_by, request.due_at, request.extended_to)
    apply_deadlines(request, extended=request.extended_to is not None)
    # A pause only ever gives more time: resuming never moves a deadline earlier than the one the
    # person was told. Recounting could (review finding 10): a request received in December 2025
    # in Vietnam falls under Decree 13/2023's 72 hours, the rule in force on the day it was
    # received, while an install that set its deadlines before rule versions existed counted it
    # under Decree 356/2025; resuming it must not make it overdue and unextendable at once.
    request.acknowledge_by, request.due_at, request.extended_to = (
        _later(old, new)
        for old, new in zip(before, (request.acknowledge_by, request.due_at, request.extended_to), strict=True)
    )


def _later(old, new):
    return new if old is None or (new is not None and new > old) else old
