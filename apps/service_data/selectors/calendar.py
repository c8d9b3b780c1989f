"""Reads of the customer's calendar entries."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import User
from apps.service_data.models import CalendarEntry


def calendar_entries_for_owner(*, owner: User) -> QuerySet[CalendarEntry]:
    return CalendarEntry.objects.filter(owner=owner).order_by("-starts_at", "-id")


def calendar_entry_get_for_owner(*, reference, owner: User) -> CalendarEntry:
    entry = CalendarEntry.objects.filter(reference=reference, owner=owner).first()
    if entry is None:
        raise Http404
    return entry
