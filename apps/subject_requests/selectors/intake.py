"""Reads of intake: the open request a new one would repeat."""

from __future__ import annotations

from django.db.models import Q

from apps.accounts.models import User
from apps.subject_requests.models import SubjectRequest

Status = SubjectRequest.Status


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
