"""Google Calendar import (P-02, P-09) against a real local server answering as events.list does,
and the Your Account calendar page."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.urls import reverse
from django.utils import timezone

from apps.service_data.models import CalendarEntry, OptionalKindRefusal
from apps.service_data.services.calendar import CalendarImportError, calendar_import_google

pytestmark = pytest.mark.django_db
ACCESS_TOKEN = "ya29.test-access-token"


class FakeGoogle:
    """What the server answers: pages of events.list, and every request it saw."""

    def __init__(self) -> None:
        self.pages: list[dict] = []
        self.status = 200
        self.requests: list[tuple[str, dict, str]] = []


def google_event(event_id: str, summary: str, start: dict, end: dict | None = None, **extra) -> dict:
    return {
        "kind": "calendar#event",
        "etag": '"3181161784712000"',
        "id": event_id,
        "status": "confirmed",
        "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
        "summary": summary,
        "creator": {"email": "customer@example.test", "self": True},
        "organizer": {"email": "customer@example.test", "self": True},
        "start": start,
        "end": end or start,
        "iCalUID": f"{event_id}@google.com",
        "sequence": 0,
        "eventType": "default",
        **extra,
    }


@pytest.fixture
def google() -> Iterator[tuple[FakeGoogle, str]]:
    state = FakeGoogle()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            state.requests.append((url.path, query, self.headers.get("Authorization", "")))
            if self.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
                return self._answer(401, {"error": {"code": 401, "message": "Invalid Credentials"}})
            if state.status != 200:
                return self._answer(state.status, {"error": {"code": state.status, "message": "Backend Error"}})
            if url.path != "/calendar/v3/calendars/primary/events":
                return self._answer(404, {"error": {"code": 404, "message": "Not Found"}})
            index = int(query.get("pageToken", "0") or 0)
            page = dict(state.pages[index])
            if index + 1 < len(state.pages):
                page["nextPageToken"] = str(index + 1)
            return self._answer(200, page)

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_port}/calendar/v3"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def google_customer(customer, google, settings):
    state, url = google
    settings.GOOGLE_CALENDAR_ACCESS = True
    settings.GOOGLE_CALENDAR_API_URL = url
    account = SocialAccount.objects.create(user=customer, provider="google", uid="1234567890")
    SocialToken.objects.create(account=account, token=ACCESS_TOKEN, expires_at=timezone.now() + timedelta(minutes=50))
    state.pages = [
        {
            "kind": "calendar#events",
            "summary": "customer@example.test",
            "timeZone": "Europe/London",
            "items": [
                google_event(
                    "evt1",
                    "Dentist",
                    {"dateTime": "2026-03-02T09:30:00Z"},
                    {"dateTime": "2026-03-02T10:00:00Z"},
                    location="12 High Street",
                    description="Check-up",
                ),
                google_event("evt2", "Mum's birthday", {"date": "2026-04-11"}, {"date": "2026-04-12"}),
            ],
        },
        {
            "kind": "calendar#events",
            "timeZone": "Europe/London",
            "items": [google_event("evt3", "Team lunch", {"dateTime": "2026-03-05T12:00:00+01:00"})],
        },
    ]
    return customer


def test_it_imports_every_page_of_events_with_the_token_only_in_the_header(google, google_customer):
    state, _url = google
    result = calendar_import_google(owner=google_customer)
    assert (result.created, result.updated, result.removed) == (3, 0, 0)
    entries = {e.external_id: e for e in CalendarEntry.objects.filter(owner=google_customer)}
    assert entries["evt1"].title == "Dentist"
    assert entries["evt1"].starts_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert entries["evt1"].ends_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert (entries["evt1"].location, entries["evt1"].description) == ("12 High Street", "Check-up")
    # An all-day event starts at midnight in the calendar's own zone (London: UTC+1 in April).
    assert entries["evt2"].starts_at == datetime(2026, 4, 10, 23, 0, tzinfo=UTC)
    assert entries["evt3"].starts_at == datetime(2026, 3, 5, 11, 0, tzinfo=UTC)
    assert {e.source for e in entries.values()} == {"google"}

    # The real API's request: the primary calendar, single events, the page token followed.
    assert [path for path, _query, _auth in state.requests] == ["/calendar/v3/calendars/primary/events"] * 2
    first, second = state.requests[0][1], state.requests[1][1]
    assert first["singleEvents"] == "true"
    assert "pageToken" not in first
    assert second["pageToken"] == "1"
    assert ACCESS_TOKEN not in " ".join(path + json.dumps(query) for path, query, _auth in state.requests)
    # Nothing of ours stored the token: it is in allauth's row only (deleted by its retention rule).
    for entry in entries.values():
        assert ACCESS_TOKEN not in json.dumps([entry.title, entry.description, entry.location, entry.external_id])
        assert not entry.history.filter(description__contains=ACCESS_TOKEN).exists()


def test_a_second_import_updates_and_removes_rather_than_duplicates(google, google_customer):
    state, _url = google
    calendar_import_google(owner=google_customer)
    state.pages[0]["items"][0]["summary"] = "Dentist (moved)"
    state.pages[0]["items"][1] = {"id": "evt2", "status": "cancelled", "kind": "calendar#event"}
    result = calendar_import_google(owner=google_customer)
    assert (result.created, result.updated, result.removed) == (0, 1, 1)
    titles = sorted(CalendarEntry.objects.filter(owner=google_customer).values_list("title", flat=True))
    assert titles == ["Dentist (moved)", "Team lunch"]
    assert calendar_import_google(owner=google_customer) == type(result)(0, 0, 0)


def test_a_refused_calendar_imports_nothing(google, google_customer):
    state, _url = google
    OptionalKindRefusal.objects.create(subject=google_customer, kind="calendar")
    with pytest.raises(CalendarImportError, match="chose not to give us your calendar"):
        calendar_import_google(owner=google_customer)
    assert state.requests == []
    assert not CalendarEntry.objects.exists()


def test_without_a_live_token_the_customer_is_told_to_sign_in_again(google, google_customer):
    state, _url = google
    SocialToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(CalendarImportError, match="Sign in with Google again"):
        calendar_import_google(owner=google_customer)
    SocialToken.objects.all().delete()  # the social-tokens rule has run
    with pytest.raises(CalendarImportError, match="Sign in with Google again"):
        calendar_import_google(owner=google_customer)
    assert state.requests == []


@pytest.mark.parametrize(("status", "words"), [(401, "did not accept"), (503, "answered with an error")])
def test_googles_errors_become_clear_messages(google, google_customer, status, words):
    state, _url = google
    state.status = status
    with pytest.raises(CalendarImportError, match=words):
        calendar_import_google(owner=google_customer)
    assert not CalendarEntry.objects.exists()


def test_an_unreachable_google_is_a_clear_message(google_customer, settings):
    settings.GOOGLE_CALENDAR_API_URL = "http://127.0.0.1:9/calendar/v3"  # the discard port: refused
    with pytest.raises(CalendarImportError, match="could not be reached"):
        calendar_import_google(owner=google_customer)


# --- The Your Account page ---------------------------------------------------------------------


def test_the_page_imports_lists_and_deletes(client_as, google, google_customer, other_customer):
    client = client_as("customer")
    page = client.get(reverse("service_data:calendar")).content.decode()
    assert "Import from Google Calendar" in page
    response = client.post(reverse("service_data:calendar_import"), follow=True)
    text = response.content.decode()
    assert "Calendar imported: 3 new, 0 updated, 0 removed." in text
    assert "Dentist" in text
    assert "Team lunch" in text

    theirs = CalendarEntry.objects.create(
        owner=other_customer, source="manual", title="Theirs", starts_at=timezone.now()
    )
    delete_theirs = reverse("service_data:calendar_delete", kwargs={"reference": theirs.reference})
    assert client.post(delete_theirs).status_code == 404
    dentist = CalendarEntry.objects.get(external_id="evt1")
    delete = reverse("service_data:calendar_delete", kwargs={"reference": dentist.reference})
    assert client.get(delete).status_code == 405
    assert "The calendar entry was deleted." in client.post(delete, follow=True).content.decode()
    assert not CalendarEntry.objects.filter(pk=dentist.pk).exists()
    assert CalendarEntry.objects.filter(pk=theirs.pk).exists()


def test_the_page_explains_when_import_is_not_possible(client_as, customer, settings):
    settings.GOOGLE_CALENDAR_ACCESS = True
    client = client_as("customer")
    page = client.get(reverse("service_data:calendar")).content.decode()
    assert "Import from Google Calendar" not in page
    assert "sign in with Google and allow calendar access" in page
    response = client.post(reverse("service_data:calendar_import"), follow=True)
    assert "Sign in with Google again" in response.content.decode()
    assert client_as("anonymous").get(reverse("service_data:calendar")).status_code == 302


# --- A Google sign-in queues one import ------------------------------------------------------


def _sign_in_signal(user, account=None) -> None:
    """What allauth's ``user_logged_in`` hands our receiver (the other receivers need a full
    request, which the receiver does not read)."""
    from allauth.account.signals import user_logged_in
    from allauth.socialaccount.models import SocialLogin

    from apps.service_data.signals import import_calendar_on_google_sign_in

    assert any(key[0] == "service_data.calendar_import" for key, *_rest in user_logged_in.receivers)
    extra = {"sociallogin": SocialLogin(account=account, user=user)} if account is not None else {}
    import_calendar_on_google_sign_in(sender=type(user), request=None, user=user, **extra)


def test_a_google_sign_in_queues_the_import_and_the_task_imports(
    google, google_customer, django_capture_on_commit_callbacks
):
    from apps.service_data.tasks import calendar_import_after_sign_in

    account = SocialAccount.objects.get(user=google_customer)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        _sign_in_signal(google_customer, account)
    assert len(queued) == 1
    assert calendar_import_after_sign_in(str(google_customer.pk)) == "created 3, updated 0, removed 0"
    assert CalendarEntry.objects.filter(owner=google_customer).count() == 3
    # Run again (a retried message): nothing doubles.
    assert calendar_import_after_sign_in(str(google_customer.pk)) == "created 0, updated 0, removed 0"


def test_other_sign_ins_and_refused_calendars_queue_nothing(
    google, google_customer, django_capture_on_commit_callbacks
):
    from apps.service_data.tasks import calendar_import_after_sign_in

    account = SocialAccount.objects.get(user=google_customer)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        _sign_in_signal(google_customer)  # email and password
        facebook = SocialAccount(user=google_customer, provider="facebook", uid="42")
        _sign_in_signal(google_customer, facebook)
        OptionalKindRefusal.objects.create(subject=google_customer, kind="calendar")
        _sign_in_signal(google_customer, account)
    assert queued == []
    assert calendar_import_after_sign_in(str(google_customer.pk)) == "skipped"
    assert not CalendarEntry.objects.exists()
