"""Reads of subject requests: access-checked getters, deadline filters, the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from apps.subject_requests.models import RequestMessage, SubjectRequest

DUE_SOON = timedelta(days=7)


def deadline_expression() -> Coalesce:
    """The request's deadline now: the extended date if any, else the due date."""
    return Coalesce("extended_to", "due_at")


def with_deadline(requests: QuerySet[SubjectRequest]) -> QuerySet[SubjectRequest]:
    return requests.annotate(deadline_at=deadline_expression())


def due_soon(requests: QuerySet[SubjectRequest], now: datetime | None = None, within: timedelta = DUE_SOON):
    """Open requests whose deadline falls within ``within`` from now (not yet overdue)."""
    now = now or timezone.now()
    return with_deadline(requests).filter(
        status__in=SubjectRequest.OPEN_STATUSES,
        paused_since__isnull=True,  # a stopped clock runs towards nothing
        deadline_at__gte=now,
        deadline_at__lte=now + within,
    )


def overdue(requests: QuerySet[SubjectRequest], now: datetime | None = None) -> QuerySet[SubjectRequest]:
    now = now or timezone.now()
    return with_deadline(requests).filter(
        status__in=SubjectRequest.OPEN_STATUSES, paused_since__isnull=True, deadline_at__lt=now
    )


def requests_for_subject(user) -> QuerySet[SubjectRequest]:
    """The customer's own requests, newest first (Your Account → Your requests)."""
    return (
        SubjectRequest.objects.filter(subject=user)
        .exclude(status=SubjectRequest.Status.AWAITING_VERIFICATION)
        .select_related("jurisdiction")
        .order_by("-received_at")
    )


def subject_request_get_for_user(*, user, reference: Any) -> SubjectRequest:
    """The customer's request by its reference, or 404 (someone else's looks the same as none)."""
    try:
        return requests_for_subject(user).get(reference=reference)
    except (SubjectRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such request") from exc


def subject_request_get_public(*, reference: Any) -> SubjectRequest:
    """A request by reference for the public status page (shows no personal data), or 404."""
    try:
        return SubjectRequest.objects.select_related("jurisdiction").get(reference=reference)
    except (SubjectRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such request") from exc


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # "status", "message", "note"
    title: str
    body: str = ""
    author: str = ""


def timeline(request: SubjectRequest, *, for_subject: bool) -> list[TimelineItem]:
    """Status changes (from the history, with their reasons) and messages, oldest first.

    The subject's view leaves out internal notes and officers' reasons for internal steps
    (assignment, notes); officers see everything.
    """
    items: list[TimelineItem] = []
    previous_status = None
    for version in request.history.order_by("history_date", "history_id"):
        if version.status != previous_status:
            items.append(
                TimelineItem(
                    at=version.history_date,
                    kind="status",
                    title=SubjectRequest.Status(version.status).label,
                    body="" if for_subject else (version.history_change_reason or ""),
                    author="" if for_subject else str(version.history_user or ""),
                )
            )
            previous_status = version.status
        elif not for_subject and version.history_change_reason:
            items.append(
                TimelineItem(
                    at=version.history_date,
                    kind="change",
                    title=version.history_change_reason,
                    author=str(version.history_user or ""),
                )
            )
    messages = request.messages.select_related("author")
    if for_subject:
        messages = messages.exclude(kind=RequestMessage.Kind.INTERNAL)
    for message in messages:
        # The subject sees who wrote their own messages, and "the privacy team" for ours.
        hide_author = for_subject and message.kind == RequestMessage.Kind.TO_SUBJECT
        items.append(
            TimelineItem(
                at=message.created_at,
                kind="note" if message.kind == RequestMessage.Kind.INTERNAL else "message",
                title=message.get_kind_display(),
                body=message.body,
                author="" if hide_author else str(message.author or ""),
            )
        )
    return sorted(items, key=lambda item: item.at)


def related_requests(request: SubjectRequest) -> QuerySet[SubjectRequest]:
    """Other requests of the same person (by account, else by address)."""
    if not request.subject_id and not request.requester_email:
        return SubjectRequest.objects.none()  # nothing ties it to anyone (a callback for no account)
    same = Q(subject=request.subject) if request.subject_id else Q(requester_email__iexact=request.requester_email)
    return SubjectRequest.objects.filter(same).exclude(pk=request.pk).order_by("-received_at")
