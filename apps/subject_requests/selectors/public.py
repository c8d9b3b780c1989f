"""Reads of the public pages: a request by its reference, showing no personal data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.subject_requests.models import SubjectRequest


def request_time_zone(request: SubjectRequest, *, public: bool = False) -> str:
    """The zone a request's times are told in to the person who made it: their account's zone,
    else (the public form, no account) the zone of the law they chose or we apply, which is also
    where its deadline is counted; never just the organisation's. ``public``: for the status page
    anyone with the link may open, always the law's zone (an account's zone is personal data)."""
    if request.subject is not None and not public:
        return request.subject.local_time_zone
    return request.jurisdiction.timezone


def subject_request_get_public(*, reference: Any) -> SubjectRequest:
    """A request by reference for the public status page (shows no personal data), or 404."""
    try:
        return SubjectRequest.objects.select_related("jurisdiction").get(reference=reference)
    except (SubjectRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such request") from exc


# --- What the customer reads (signed in and public): plain words, one stepper ------------------
# Officers keep the statuses' own names (the admin); customers read these (lazy: the module is
# imported once, in whatever language is active then).

_Status = SubjectRequest.Status
CUSTOMER_STATUS = {
    _Status.AWAITING_VERIFICATION: gettext_lazy("Waiting for the email address to be confirmed"),
    _Status.OPEN: gettext_lazy("Received: we're working on it"),
    _Status.IN_PROGRESS: gettext_lazy("We're working on it"),
    _Status.AWAITING_APPROVAL: gettext_lazy("We're working on it: a second person is checking our answer"),
    _Status.COMPLETED: gettext_lazy("Done"),
    _Status.REJECTED: gettext_lazy("We could not do this"),
    _Status.WITHDRAWN: gettext_lazy("You withdrew it"),
    _Status.EXPIRED: gettext_lazy("Closed: the email address was not confirmed in time"),
}


def customer_status(status: str) -> str:
    """A request's status in the customer's words (the admin keeps the statuses' names)."""
    label = CUSTOMER_STATUS.get(status)  # type: ignore[call-overload]
    return str(label) if label is not None else str(_Status(status).label)


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current", "upcoming"


def progress(subject_request: SubjectRequest) -> list[Step]:
    """Where the request is, in four steps; nothing personal (the public page shows it too)."""
    status = subject_request.status
    closed = status in SubjectRequest.CLOSED_STATUSES
    handling = status in (_Status.OPEN, _Status.IN_PROGRESS, _Status.AWAITING_APPROVAL)

    def state(done: bool, current: bool = False) -> str:
        return "done" if done else "current" if current else "upcoming"

    last = customer_status(status) if closed and status != _Status.COMPLETED else str(_("Done"))
    return [
        Step(str(_("Received")), "done"),
        Step(
            str(_("Identity confirmed")),
            state(subject_request.verified_at is not None, status == _Status.AWAITING_VERIFICATION),
        ),
        Step(str(_("We're working on it")), state(status in (_Status.COMPLETED, _Status.REJECTED), handling)),
        Step(last, state(closed)),
    ]
