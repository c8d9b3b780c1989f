"""Reads of breach clocks: the time left, in hours, for the admin and the officers' home page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from apps.breaches.domain import hours_left
from apps.breaches.models import Breach, BreachClock


@dataclass(frozen=True)
class OpenClock:
    breach_number: str
    breach_reference: str
    breach_title: str
    recipient: str
    jurisdiction: str
    due_at: datetime | None
    hours_left: int | None  # None: no fixed period ("without undue delay")
    overdue: bool
    admin_path: str


def open_breach_clocks(*, now: datetime | None = None) -> list[OpenClock]:
    """Every running clock of every open breach, most urgent first: what the officers' home page
    tile shows (another change wires it; this is the one read it needs). Two queries at most."""
    from django.urls import reverse

    now = now or timezone.now()
    clocks = (
        BreachClock.objects.filter(status=BreachClock.Status.RUNNING, breach__status=Breach.Status.OPEN)
        .select_related("breach", "rule__jurisdiction")
        .order_by("due_at", "pk")
    )
    found = []
    for clock in clocks:
        left = hours_left(clock.due_at, now) if clock.due_at else None
        found.append(
            OpenClock(
                breach_number=clock.breach.number,
                breach_reference=str(clock.breach.reference),
                breach_title=clock.breach.title,
                recipient=str(clock.rule.get_recipient_display()),
                jurisdiction=clock.rule.jurisdiction.code,
                due_at=clock.due_at,
                hours_left=left,
                overdue=left is not None and left < 0,
                admin_path=reverse("admin:breaches_breach_change", args=[clock.breach_id]),
            )
        )
    return sorted(found, key=lambda c: (c.hours_left is None, c.hours_left if c.hours_left is not None else 0))


def breach_clocks(breach: Breach, *, now: datetime | None = None) -> list[tuple[BreachClock, int | None]]:
    now = now or timezone.now()
    return [
        (clock, hours_left(clock.due_at, now) if clock.due_at and clock.status == BreachClock.Status.RUNNING else None)
        for clock in breach.clocks.select_related("rule__jurisdiction").order_by("due_at", "pk")
    ]
