"""suppression:read and restrictions:read: incremental feeds a warehouse syncs with a cursor."""

from __future__ import annotations

from datetime import UTC, datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from apps.api.domain import Scope
from apps.api.selectors import restriction_feed, suppression_feed
from apps.api.views.common import ApiError, client_of, cursor_decode, cursor_encode, openapi_extra

router = Router(tags=["feeds"])


class PageIn(Schema):
    cursor: str | None = Field(None, max_length=200, description="The next_cursor of the previous page.")
    limit: int = Field(500, ge=1, le=2000)


class SuppressionOut(Schema):
    email_hash: str
    channel: str
    purpose: str
    reason: str
    created_at: str


class SuppressionPage(Schema):
    items: list[SuppressionOut]
    next_cursor: str = Field(..., description="Pass it back to get what came after; it stays valid when empty.")


class RestrictionOut(Schema):
    reference: str
    account: str | None
    purposes: list[str]
    in_force: bool
    placed_at: str
    lifted_at: str | None


class RestrictionPage(Schema):
    items: list[RestrictionOut]
    next_cursor: str


@router.get(
    "/suppressions",
    response=SuppressionPage,
    url_name="suppression_feed",
    operation_id="suppression_feed",
    openapi_extra=openapi_extra(),
)
def suppressions(request: HttpRequest, page: Query[PageIn]):
    """Addresses that must not be contacted, as the portal's keyed hashes, oldest first."""
    client_of(request, Scope.SUPPRESSION_READ)
    after = cursor_decode(page.cursor).get("after", 0)
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 2**63:
        raise ApiError(400, _("Bad cursor"), _("Pass back a cursor exactly as the API gave it."))
    rows = list(suppression_feed(after=after, limit=page.limit))
    items = [
        {
            "email_hash": row.address_hash,
            "channel": row.channel,
            "purpose": row.purpose_code,
            "reason": row.reason,
            "created_at": row.created_at.isoformat(),
        }
        for row in rows
    ]
    last = rows[-1].pk if rows else after
    return {"items": items, "next_cursor": cursor_encode({"after": last})}


@router.get(
    "/restrictions",
    response=RestrictionPage,
    url_name="restriction_feed",
    operation_id="restriction_feed",
    openapi_extra=openapi_extra(),
)
def restrictions(request: HttpRequest, page: Query[PageIn]):
    """Restrictions placed or lifted since the cursor; a lifted one comes again with in_force false."""
    client_of(request, Scope.RESTRICTIONS_READ)
    cursor = cursor_decode(page.cursor)
    try:
        after = datetime.fromisoformat(cursor["at"]) if "at" in cursor else None
        after_id = int(cursor.get("id", 0))
        if after is not None:
            after.astimezone(UTC)  # an aware time that converts (year 1 at +05:00 does not)
        if (after is not None and after.tzinfo is None) or not 0 <= after_id < 2**63:
            raise ValueError("out of range")
    except (TypeError, ValueError, OverflowError) as exc:
        raise ApiError(400, _("Bad cursor"), _("Pass back a cursor exactly as the API gave it.")) from exc
    rows = restriction_feed(after=after, after_id=after_id, limit=page.limit)
    items = [
        {
            "reference": str(row.reference),
            "account": str(row.subject.reference) if row.subject_id else None,
            "purposes": sorted(p.code for p in row.purposes.all()),
            "in_force": row.lifted_at is None,
            "placed_at": row.created_at.isoformat(),
            "lifted_at": row.lifted_at.isoformat() if row.lifted_at else None,
        }
        for row in rows
    ]
    next_cursor = cursor_encode({"at": rows[-1].updated_at.isoformat(), "id": rows[-1].pk}) if rows else page.cursor
    return {"items": items, "next_cursor": next_cursor or cursor_encode({})}
