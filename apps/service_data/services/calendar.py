"""Calendar writes: events imported from Google Calendar (P-02), and the customer deleting one.

The import reads Google's ``events.list`` with the access token allauth stored at the Google
sign-in, and only while it runs: the token is read, sent in one header and dropped with the
function's frame. Nothing here saves, logs or caches it; the social-tokens retention rule
deletes allauth's copy within the hour (P-09). A refused calendar (P-38) imports nothing.

The HTTP transport is a parameter, so tests run the importer against a real local server that
answers as Google does, and production uses ``urllib`` with a timeout.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from allauth.socialaccount.models import SocialToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.actors import SystemActor, record_actor
from apps.service_data.models import CalendarEntry, OptionalKind
from apps.service_data.selectors.activity import kind_refused
from apps.service_data.services.content import subject_rows_delete

# (url, headers) → (HTTP status, body)
Transport = Callable[[str, Mapping[str, str]], tuple[int, bytes]]

# Which events: the past year and the next; at most MAX_PAGES pages of PAGE_SIZE.
WINDOW = timedelta(days=365)
PAGE_SIZE = 250
MAX_PAGES = 20
TIMEOUT_SECONDS = 10

# The job kind that imports after a Google sign-in (tasks.py).
CALENDAR_IMPORT_JOB = "service_data.calendar_import"


class CalendarImportError(ValidationError):
    """The import could not run; the message says why, in words the customer can act on."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """urllib sends the request's headers, the token's included, on to wherever a redirect
    points, another host too: Google's API answers without redirects, so none is followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def urllib_transport(url: str, headers: Mapping[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=dict(headers), method="GET")  # noqa: S310 (https or the test server)
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def google_token(*, owner: User) -> SocialToken | None:
    """The Google access token allauth keeps for ``owner`` (briefly, P-09), when still valid."""
    if not settings.GOOGLE_CALENDAR_ACCESS:
        return None
    token = (
        SocialToken.objects.filter(account__user=owner, account__provider="google")
        .exclude(token="")
        .order_by("-id")
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= timezone.now()):
        return None
    return token


def calendar_import_possible(*, owner: User) -> bool:
    return google_token(owner=owner) is not None and not kind_refused(owner=owner, kind=OptionalKind.CALENDAR)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    removed: int


def calendar_import_google(*, owner: User, transport: Transport | None = None) -> ImportResult:
    """Bring ``owner``'s Google Calendar events in (idempotent: Google's event id is the key)."""
    if kind_refused(owner=owner, kind=OptionalKind.CALENDAR):
        raise CalendarImportError(
            _(
                "You chose not to give us your calendar, so nothing was imported. "
                "You can allow it again in Your Account."
            )
        )
    token = google_token(owner=owner)
    if token is None:
        raise CalendarImportError(
            _("Sign in with Google again to import your calendar: we keep Google's permission for an hour at most.")
        )
    events = list(_events(token.token, transport or urllib_transport))
    del token  # nothing below needs it, and nothing keeps it
    return _store(owner, events)


def _events(access_token: str, transport: Transport) -> Iterator[dict]:
    now = timezone.now()
    base = settings.GOOGLE_CALENDAR_API_URL.rstrip("/")
    query = {
        "singleEvents": "true",
        "orderBy": "startTime",
        "maxResults": str(PAGE_SIZE),
        "timeMin": (now - WINDOW).isoformat(),
        "timeMax": (now + WINDOW).isoformat(),
        "showDeleted": "true",
    }
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    page_token = ""
    for _page in range(MAX_PAGES):
        params = {**query, **({"pageToken": page_token} if page_token else {})}
        url = f"{base}/calendars/{quote('primary')}/events?{urlencode(params)}"
        try:
            status, body = transport(url, headers)
        except OSError as exc:
            raise CalendarImportError(_("Google Calendar could not be reached. Try again later.")) from exc
        if status in (401, 403):
            raise CalendarImportError(
                _("Google did not accept our access to your calendar. Sign in with Google again and allow it.")
            )
        if status != 200:
            raise CalendarImportError(_("Google Calendar answered with an error. Try again later."))
        try:
            page = json.loads(body)
        except ValueError as exc:
            raise CalendarImportError(_("Google Calendar answered with something we could not read.")) from exc
        if not isinstance(page, dict):
            raise CalendarImportError(_("Google Calendar answered with something we could not read."))
        zone = _zone(page.get("timeZone"))
        for item in page.get("items") or []:
            if isinstance(item, dict) and item.get("id"):
                yield {**item, "_zone": zone}
        page_token = page.get("nextPageToken") or ""
        if not page_token:
            return


def _zone(name: object) -> ZoneInfo:
    try:
        return ZoneInfo(str(name)) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _moment(value: object, zone: ZoneInfo) -> datetime | None:
    """Google's ``start``/``end``: ``dateTime`` (with offset) or ``date`` (an all-day event)."""
    if not isinstance(value, dict):
        return None
    if value.get("dateTime"):
        moment = parse_datetime(str(value["dateTime"]))
        if moment is not None and timezone.is_naive(moment):
            moment = moment.replace(tzinfo=zone)
        return moment
    if value.get("date"):
        day = parse_date(str(value["date"]))
        return datetime.combine(day, time.min, tzinfo=zone) if day else None
    return None


@transaction.atomic
def _store(owner: User, events: list[dict]) -> ImportResult:
    # The account's row is the lock a refusal also takes: a calendar refused while Google was
    # being read stores nothing (the refusal has deleted what there was).
    User._base_manager.select_for_update().filter(pk=owner.pk).first()
    if kind_refused(owner=owner, kind=OptionalKind.CALENDAR):
        return ImportResult(created=0, updated=0, removed=0)
    existing = {
        entry.external_id: entry
        for entry in CalendarEntry.objects.filter(owner=owner, source=CalendarEntry.Source.GOOGLE)
    }
    created = updated = removed = 0
    for item in events:
        external_id = str(item["id"])[:255]
        entry = existing.get(external_id)
        if item.get("status") == "cancelled":
            if entry is not None:
                subject_rows_delete(CalendarEntry.objects.filter(pk=entry.pk), subject=owner, actor=owner)
                existing.pop(external_id)
                removed += 1
            continue
        starts_at = _moment(item.get("start"), item["_zone"])
        if starts_at is None:
            continue  # an event without a start is not one we can show
        values = {
            "title": (str(item.get("summary") or "").strip() or _("(No title)"))[:300],
            "starts_at": starts_at,
            "ends_at": _moment(item.get("end"), item["_zone"]),
            "location": str(item.get("location") or "")[:300],
            "description": str(item.get("description") or "")[:10_000],
        }
        if entry is None:
            entry = CalendarEntry(owner=owner, source=CalendarEntry.Source.GOOGLE, external_id=external_id, **values)
            created += 1
        elif any(getattr(entry, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(entry, name, value)
            updated += 1
        else:
            continue
        entry.full_clean(exclude=["owner"], validate_constraints=False)
        record_actor(entry, actor=SystemActor("calendar-import"), reason="imported from Google Calendar")
        entry.save()
        existing[external_id] = entry
    return ImportResult(created=created, updated=updated, removed=removed)


@transaction.atomic
def calendar_entry_delete(*, entry: CalendarEntry, actor: User) -> None:
    """The customer deletes one entry. An imported one comes back only if they import again."""
    if entry.owner_id != actor.pk:
        raise ValidationError(_("Only the customer deletes their calendar entries."))
    # As erasure deletes: its history goes too (the title and place would stay readable there),
    # and a legal hold on the data keeps it.
    subject_rows_delete(CalendarEntry.objects.filter(pk=entry.pk), subject=entry.owner, actor=actor)
