"""The incremental feeds: what changed since a cursor, behind a safety lag."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.consent.models import ProcessingRestriction, Suppression

# --- Feeds: what changed since a cursor -----------------------------------------------------------
#
# Ids and times are taken when a row is written, but rows become visible when their transaction
# commits, in whatever order the transactions end: a row with a lower id (or an earlier time) can
# appear after a later one was read, behind the reader's cursor, and a plain "after the cursor"
# would never serve it. So a feed serves only settled rows, written at least the safety lag ago
# (settings.API_FEED_SAFETY_LAG_SECONDS, longer than any transaction writing them), when every
# row before them has committed. A warehouse sees a change that much later; a consent check is
# answered from the live tables and needs no lag.


def feed_settled_before() -> datetime:
    """Rows written at or before this instant are settled: safe to serve and step past."""
    return timezone.now() - timedelta(seconds=settings.API_FEED_SAFETY_LAG_SECONDS)


def suppression_feed(*, after: int, limit: int) -> list[Suppression]:
    """The settled suppressions after id ``after``, by id. The page ends before the first row not
    yet settled, even when a later one is: that row's id was taken first, so rows between may
    still be committing."""
    settled_before = feed_settled_before()
    page = []
    for row in Suppression.objects.filter(pk__gt=after).order_by("pk")[:limit]:
        if row.created_at > settled_before:
            break
        page.append(row)
    return page


def restriction_feed(*, after: datetime | None, after_id: int, limit: int) -> list[ProcessingRestriction]:
    """Restrictions placed or lifted since the cursor (updated_at, id), oldest change first,
    settled ones only (ordered by the time itself, so a filter is enough)."""
    rows = ProcessingRestriction.objects.select_related("subject").prefetch_related("purposes")
    rows = rows.filter(updated_at__lte=feed_settled_before())
    if after is not None:
        rows = rows.filter(Q(updated_at__gt=after) | Q(updated_at=after, pk__gt=after_id))
    return list(rows.order_by("updated_at", "pk")[:limit])
