"""Reads of subject requests: the customer's own, their timeline, related requests, the
transitions the lifecycle allows now, and the purposes a request may name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import ForeignObjectRel, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.consent.models import Purpose
from apps.subject_requests.models import RequestMessage, RequestType, SubjectRequest
from apps.subject_requests.selectors.public import customer_status

Status = SubjectRequest.Status

# The transitions a service may make; the admin shows buttons for these only.
TRANSITIONS: dict[str, set[str]] = {
    Status.AWAITING_VERIFICATION: {Status.OPEN, Status.EXPIRED, Status.WITHDRAWN},
    Status.OPEN: {Status.IN_PROGRESS, Status.REJECTED, Status.WITHDRAWN},
    Status.IN_PROGRESS: {Status.AWAITING_APPROVAL, Status.COMPLETED, Status.REJECTED, Status.WITHDRAWN},
    Status.AWAITING_APPROVAL: {Status.IN_PROGRESS, Status.COMPLETED, Status.REJECTED},
}


def allowed_transitions(request: SubjectRequest) -> set[str]:
    allowed = set(TRANSITIONS.get(request.status, set()))
    if (request.execution or {}).get("erasure"):
        # The worker has begun erasing: it cannot be called back, so the request cannot be
        # withdrawn or refused any more (it completes when the erasure ends).
        allowed -= {Status.WITHDRAWN, Status.REJECTED}
    return allowed


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
                    # The customer reads the status in plain words; officers, its name.
                    title=customer_status(version.status)
                    if for_subject
                    else str(SubjectRequest.Status(version.status).label),
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


def active_purposes():
    """Active processing purposes, whatever their legal basis: restriction and objection cover them all."""
    return Purpose.objects.filter(kind=Purpose.Kind.PROCESSING, is_active=True).order_by("display_order", "code")


def consented_purposes(user) -> list[Purpose]:
    from apps.consent.selectors.ledger import states_for

    if user is None:
        return []
    granted = {purpose_id for purpose_id, state in states_for(subject=user).items() if state.granted}
    return [purpose for purpose in active_purposes() if purpose.pk in granted]


# --- The request page in the admin -----------------------------------------------------------


def field_label(name: str) -> str:
    """An account field's name as people read it (a reverse relation has no verbose name)."""
    try:
        field = User._meta.get_field(name)
        if isinstance(field, ForeignObjectRel):
            return name
        return str(field.verbose_name)
    except Exception:
        return name


def subject_summary(obj: SubjectRequest) -> dict:
    """The subject's account, holds and restrictions, for the request page (a few queries)."""
    subject = obj.subject
    if subject is None:
        return {"subject": None, "holds": [], "restrictions": []}
    from apps.consent.models import ProcessingRestriction
    from apps.retention.selectors.holds import active_holds_for

    restrictions = list(
        ProcessingRestriction.objects.filter(subject=subject, lifted_at__isnull=True)
        .prefetch_related("purposes")
        .order_by("-created_at")
    )
    return {
        "subject": subject,
        "subject_url": reverse("admin:accounts_user_change", args=[subject.pk]),
        "holds": active_holds_for(subject),
        "restrictions": restrictions,
    }


def scope_rows(obj: SubjectRequest) -> list[tuple[str, str]]:
    """The request's choices, except rectification changes (shown as a diff)."""
    rows = []
    for key, value in (obj.scope or {}).items():
        if key == "changes" and obj.request_type == RequestType.RECTIFICATION:
            continue
        if isinstance(value, list):
            value = ", ".join(str(item) for item in value) or "—"
        elif isinstance(value, bool):
            value = _("yes") if value else _("no")
        rows.append((key.replace("_", " "), str(value)))
    return rows


def rectification_rows(obj: SubjectRequest) -> list[dict]:
    if obj.request_type != RequestType.RECTIFICATION:
        return []
    changes = (obj.scope or {}).get("changes") or {}
    if not isinstance(changes, dict):
        return []
    rows = []
    for name, proposed in changes.items():
        current = getattr(obj.subject, name, "") if obj.subject is not None else ""
        rows.append(
            {
                "field": name,
                "label": field_label(name),
                "current": str(current or ""),
                "proposed": str(proposed or ""),
                "same": str(current or "").strip() == str(proposed or "").strip(),
            }
        )
    return rows


def requests_overview_card(user: User):
    """Your Account overview: the customer's open requests and the next date one is due by."""
    from django.utils.formats import date_format
    from django.utils.translation import ngettext

    from apps.core.navigation import OverviewCard

    open_requests = [request for request in requests_for_subject(user) if request.is_open]
    if not open_requests:
        return OverviewCard(
            key="requests",
            title=_("Your requests"),
            state=_("None open"),
            detail=_("Ask for a copy of your data, a correction or a deletion at any time."),
            action_label=_("Make a request"),
            action_url=reverse("subject_requests:new"),
        )
    dates = sorted(request.deadline_on for request in open_requests if request.deadline_on)
    detail = (
        _("We answer by %(date)s at the latest.") % {"date": date_format(dates[0], "DATE_FORMAT")}
        if dates
        else _("We are checking your request.")
    )
    return OverviewCard(
        key="requests",
        title=_("Your requests"),
        state=ngettext("%(count)d open", "%(count)d open", len(open_requests)) % {"count": len(open_requests)},
        detail=detail,
        action_label=_("Follow your requests"),
        action_url=reverse("subject_requests:list"),
        attention=True,
    )
