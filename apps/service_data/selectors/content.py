"""Reads of the customer's content: their files, and the optional kinds they refused (P-38).

``optional_kind_refused`` is what every collector of an optional kind asks first (the
calendar import, location recording, uploads of images, videos and voice clips).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from django.db.models import Count, QuerySet, Sum
from django.shortcuts import get_object_or_404

from apps.service_data.models import (
    CalendarEntry,
    ContentItem,
    LocationRecord,
    OptionalKind,
    OptionalKindRefusal,
    SharedPost,
)

if TYPE_CHECKING:
    from apps.accounts.models import User


def optional_kind_refused(subject: User, kind: str) -> bool:
    """Has ``subject`` refused to give data of this optional kind (an OptionalKind value)?"""
    if subject.pk is None:
        return False
    return OptionalKindRefusal.objects.filter(subject=subject, kind=kind).exists()


def optional_kinds_refused(subject: User) -> set[str]:
    return set(OptionalKindRefusal.objects.filter(subject=subject).values_list("kind", flat=True))


def content_items_for_owner(*, owner: User, kind: str | None = None) -> QuerySet[ContentItem]:
    items = ContentItem.objects.filter(owner=owner)
    if kind is not None:
        items = items.filter(kind=kind)
    return items.order_by("-created_at", "-pk")


def content_item_get_for_owner(*, reference: UUID, owner: User) -> ContentItem:
    # 404, not 403, for another customer's file: no hint that it exists.
    return get_object_or_404(ContentItem, reference=reference, owner=owner)


def shared_posts_for_author(*, author: User) -> QuerySet[SharedPost]:
    return SharedPost.objects.filter(author=author).select_related("picture").order_by("-created_at", "-pk")


def shared_post_get_for_author(*, reference: UUID, author: User) -> SharedPost:
    return get_object_or_404(SharedPost.objects.select_related("picture"), reference=reference, author=author)


@dataclass(frozen=True)
class KindHoldings:
    """What refusing an optional kind would delete: how many rows, and how many bytes of files."""

    count: int
    size: int = 0


def optional_kind_holdings(*, subject: User, kind: str) -> KindHoldings:
    if kind == OptionalKind.CALENDAR:
        return KindHoldings(CalendarEntry.objects.filter(owner=subject).count())
    if kind == OptionalKind.LOCATION:
        return KindHoldings(LocationRecord.objects.filter(owner=subject).count())
    content_kind = content_kind_for(kind)
    totals = ContentItem.objects.filter(owner=subject, kind=content_kind).aggregate(n=Count("pk"), size=Sum("size"))
    return KindHoldings(totals["n"], totals["size"] or 0)


def content_kind_for(optional_kind: str) -> str | None:
    """The ContentItem kind an optional kind covers (None for calendar and location)."""
    for content_kind, optional in ContentItem.OPTIONAL.items():
        if optional == optional_kind:
            return content_kind
    return None
