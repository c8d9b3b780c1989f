"""The public pages: the form for people without an account, its emailed confirmation, the status page."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import formats, timezone

from apps.core.actors import SystemActor
from apps.core.clock import organisation_time
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.services.intake import subject_request_create, subject_request_issue_confirmation
from apps.subject_requests.services.requests import subject_request_transition
from apps.subject_requests.views import public as public_views

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status
FORM_URL = "/privacy-request/"
SENT_URL = "/privacy-request/sent/"
GOOD = {
    "email": "sam@example.test",
    "name": "Sam Someone",
    "request_type": "access",
    "details": "Everything from my old loyalty card.",
    "jurisdiction": "",
}


def confirm_url(request: SubjectRequest) -> str:
    return f"/requests/{request.reference}/confirm/"


def status_url(request: SubjectRequest) -> str:
    return f"/requests/{request.reference}/status/"


def code_from(message) -> str:
    return re.search(r"code on the confirmation page: ([A-Z0-9]{8})", message.body).group(1)


@pytest.fixture(autouse=True)
def _inside_one_limit_window():
    # The hourly limits count in fixed windows: a test must not straddle the top of an hour.
    start = timezone.now().replace(minute=10, second=0, microsecond=0)
    with time_machine.travel(start, tick=False):
        yield


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """POST the public form as a visitor, running what happens after the commit (the email)."""

    def post(data: dict | None = None, client: Client | None = None, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or Client()).post(FORM_URL, {**GOOD, **(data or {})}, **extra)

    return post


def public_request(email: str = "sam@example.test", request_type: str = "erasure") -> tuple[SubjectRequest, str]:
    request, _ = subject_request_create(
        request_type=request_type, channel="web_form", actor=None, requester_email=email, requester_name="Sam"
    )
    return request, subject_request_issue_confirmation(request=request)


# --- The form ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["anonymous", "customer"])
def test_anyone_may_open_the_form(client_as, persona):
    response = client_as(persona).get(FORM_URL)
    assert response.status_code == 200
    assert "Make a privacy request" in response.content.decode()


def test_the_footer_links_to_the_form(client):
    assert f'href="{FORM_URL}"' in client.get("/").content.decode()


def test_a_request_waits_for_its_email_confirmation(send):
    response = send()
    assert response.status_code == 302
    assert response["Location"] == SENT_URL
    request = SubjectRequest.objects.get()
    assert (request.status, request.channel, request.request_type) == (
        Status.AWAITING_VERIFICATION,
        "web_form",
        "access",
    )
    assert (request.requester_email, request.requester_name) == ("sam@example.test", "Sam Someone")
    assert request.details == "Everything from my old loyalty card."
    assert request.subject is None
    assert request.jurisdiction.code == "uk"  # the default rule when none is chosen
    [message] = mail.outbox
    assert message.to == ["sam@example.test"]
    assert message.subject == "[Privacy Portal] Confirm your privacy request"
    assert f"{confirm_url(request)}?code={code_from(message)}" in message.body


def test_the_chosen_jurisdiction_is_kept(send):
    send({"jurisdiction": "vn"})
    assert SubjectRequest.objects.get().jurisdiction.code == "vn"


def test_the_check_your_email_page_is_the_same_for_anyone(send, customer):
    page = Client().get(SENT_URL)
    assert page.status_code == 200
    assert "Check your email" in page.content.decode()
    known = send({"email": customer.email})
    unknown = send({"email": "nobody@example.test"})
    assert known["Location"] == unknown["Location"] == SENT_URL


@pytest.mark.parametrize(
    "data",
    [
        {"request_type": "everything"},
        {"request_type": ""},
        {"email": "not-an-address"},
        {"email": ""},
        {"name": "   "},
        {"jurisdiction": "mars"},
        {"details": "x" * 5001},
    ],
)
def test_bad_input_is_refused_and_files_nothing(send, data):
    response = send(data)
    assert response.status_code == 400
    assert not SubjectRequest.objects.exists()
    assert not mail.outbox


def test_sending_again_before_confirming_sends_a_fresh_code(send):
    send()
    first_code = code_from(mail.outbox[0])
    send()
    assert SubjectRequest.objects.count() == 1
    second_code = code_from(mail.outbox[1])
    request = SubjectRequest.objects.get()
    assert Client().post(confirm_url(request), {"code": first_code}).status_code == 400  # the old code stops working
    assert Client().post(confirm_url(request), {"code": second_code}).status_code == 302


def test_a_request_already_being_handled_is_not_doubled(send, customer):
    existing, _ = subject_request_create(
        request_type="access", channel="account", actor=customer, subject=customer, verification_method="signed_in"
    )
    response = send({"email": customer.email.upper()})
    assert response["Location"] == SENT_URL  # the page says nothing more
    assert SubjectRequest.objects.count() == 1
    [message] = mail.outbox  # the address's owner learns it is already being handled
    assert message.to == [customer.email]
    assert existing.short_reference in message.body


def test_the_form_is_limited_per_address(send):
    for _attempt in range(public_views.LIMITS["form-email"]):
        assert send({"name": "Sam"})["Location"] == SENT_URL
    sent = len(mail.outbox)
    response = send({"request_type": "erasure"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert response["Retry-After"] == "3600"
    assert len(mail.outbox) == sent
    assert not SubjectRequest.objects.filter(request_type="erasure").exists()
    assert send({"email": "other@example.test"}).status_code == 302  # others are not held up


def test_the_form_is_limited_per_ip(send, monkeypatch):
    monkeypatch.setitem(public_views.LIMITS, "form-ip", 2)
    assert send({"email": "a@example.test"}).status_code == 302
    assert send({"email": "bad"}).status_code == 400  # invalid attempts count too
    assert send({"email": "c@example.test"}).status_code == 429
    assert send({"email": "d@example.test"}, REMOTE_ADDR="10.0.0.9").status_code == 302
    assert SubjectRequest.objects.count() == 2


def test_the_form_limit_keys_on_the_client_our_proxy_names(send, monkeypatch, settings):
    # Behind one trusted proxy every visitor arrives from the proxy's address (issue 13).
    settings.TRUSTED_PROXY_COUNT = 1
    monkeypatch.setitem(public_views.LIMITS, "form-ip", 1)
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    assert send({"email": "a@example.test"}, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 302
    assert send({"email": "b@example.test"}, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 429
    assert send({"email": "c@example.test"}, HTTP_X_FORWARDED_FOR="198.51.100.8", **proxy).status_code == 302
    # A client cannot pick its own key by prepending addresses: the proxy's entry is the last one.
    forged = "198.51.100.99, 203.0.113.5"
    assert send({"email": "d@example.test"}, HTTP_X_FORWARDED_FOR=forged, **proxy).status_code == 429


def test_the_limits_reset_after_an_hour(send, monkeypatch):
    monkeypatch.setitem(public_views.LIMITS, "form-ip", 1)
    assert send().status_code == 302
    assert send().status_code == 429
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        assert send().status_code == 302


# --- Confirmation ------------------------------------------------------------------------------


def test_opening_the_link_shows_the_code_but_confirms_nothing(client):
    request, code = public_request()
    response = client.get(f"{confirm_url(request)}?code={code}")
    assert response.status_code == 200
    assert f'value="{code}"' in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.AWAITING_VERIFICATION


def test_posting_the_code_confirms_and_shows_the_status(client, django_capture_on_commit_callbacks):
    request, code = public_request()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(confirm_url(request), {"code": f" {code.lower()} "})
    assert response["Location"] == status_url(request)
    request.refresh_from_db()
    assert request.status == Status.OPEN
    assert request.verification_method == "email_link"
    html = client.get(response["Location"]).content.decode()
    assert "your request is confirmed and received" in html
    assert "Thank you" not in client.get(response["Location"]).content.decode()  # said once


@pytest.mark.parametrize("code", ["", "AAAAAAAA", "x" * 40])
def test_a_wrong_code_is_400_and_changes_nothing(client, code):
    request, _code = public_request()
    versions = request.history.count()
    response = client.post(confirm_url(request), {"code": code})
    assert response.status_code == 400
    request.refresh_from_db()
    assert request.status == Status.AWAITING_VERIFICATION
    assert request.history.count() == versions


def test_a_code_for_another_request_is_refused(client):
    mine, _ = public_request("a@example.test")
    _theirs, their_code = public_request("b@example.test")
    assert client.post(confirm_url(mine), {"code": their_code}).status_code == 400
    mine.refresh_from_db()
    assert mine.status == Status.AWAITING_VERIFICATION


def test_an_expired_code_is_refused(client):
    request, code = public_request()
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = client.post(confirm_url(request), {"code": code})
    assert response.status_code == 400
    assert "not valid, or has expired" in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.AWAITING_VERIFICATION


def test_a_link_works_once(client):
    request, code = public_request()
    assert client.post(confirm_url(request), {"code": code}).status_code == 302
    again = client.post(confirm_url(request), {"code": code})
    assert again.status_code == 400
    assert client.get(f"{confirm_url(request)}?code={code}").status_code == 200  # says it is confirmed already
    assert "not waiting for a confirmation" in client.get(confirm_url(request)).content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("reference", [str(uuid.uuid4()), "not-a-uuid", "12345"])
def test_an_unknown_or_malformed_reference_is_404(client, method, reference):
    public_request()
    response = getattr(client, method)(f"/requests/{reference}/confirm/", {"code": "AAAAAAAA"})
    assert response.status_code == 404
    assert SubjectRequest.objects.get().status == Status.AWAITING_VERIFICATION


def test_confirmation_attempts_are_limited_per_ip(client, monkeypatch):
    monkeypatch.setitem(public_views.LIMITS, "confirm-ip", 2)
    request, code = public_request()
    for _attempt in range(2):
        assert client.post(confirm_url(request), {"code": "WRONG123"}).status_code == 400
    assert client.post(confirm_url(request), {"code": code}).status_code == 429
    request.refresh_from_db()
    assert request.status == Status.AWAITING_VERIFICATION


def test_confirming_a_repeat_returns_the_request_already_open(client, customer):
    existing, _ = subject_request_create(
        request_type="erasure", channel="account", actor=customer, subject=customer, verification_method="signed_in"
    )
    # Filed before the account's request existed (so not linked then), confirmed after.
    repeat = SubjectRequest.objects.create(
        request_type="erasure",
        channel="web_form",
        status=Status.AWAITING_VERIFICATION,
        requester_email=customer.email,
        jurisdiction=existing.jurisdiction,
    )
    code = subject_request_issue_confirmation(request=repeat)
    response = client.post(confirm_url(repeat), {"code": code})
    assert response["Location"] == status_url(existing)
    repeat.refresh_from_db()
    assert (repeat.status, repeat.duplicate_of) == (Status.WITHDRAWN, existing)


# --- Status ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["anonymous", "customer", "other_customer"])
def test_the_status_page_needs_no_sign_in_and_shows_no_personal_data(client_as, customer, persona):
    request, _ = subject_request_create(
        request_type="complaint",
        channel="account",
        actor=customer,
        subject=customer,
        verification_method="signed_in",
        details="My neighbour Pat saw my order history.",
    )
    response = client_as(persona).get(status_url(request))
    assert response.status_code == 200
    html = response.content.decode()
    assert request.short_reference in html
    assert "Complaint" in html
    assert "Received: we&#x27;re working on it" in html  # the customer's words, not "Open"
    assert formats.date_format(organisation_time(request.received_at), "DATE_FORMAT") in html  # signed out
    assert formats.date_format(request.deadline_on, "DATE_FORMAT") in html
    for personal in (customer.email, customer.full_name, "Pat", "order history"):
        assert personal not in html
    assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize("reference", [str(uuid.uuid4()), "not-a-uuid"])
def test_an_unknown_status_reference_is_404(client, reference):
    assert client.get(f"/requests/{reference}/status/").status_code == 404


def test_the_progress_steps_follow_the_status(client, officer):
    request, _ = public_request()
    html = client.get(status_url(request)).content.decode()
    assert "waiting for the email address to be confirmed" in html
    assert re.search(r'class="step-current" aria-current="step">\s*Identity confirmed', html)
    request.status = Status.OPEN
    request.verified_at = timezone.now()
    request.save()
    subject_request_transition(request=request, to_status="in_progress", actor=officer, reason="x")
    html = client.get(status_url(request)).content.decode()
    assert re.search(r'class="step-done">\s*Identity confirmed', html)
    assert re.search(r'class="step-current" aria-current="step">\s*We&#x27;re working on it', html)
    subject_request_transition(request=request, to_status="completed", actor=SystemActor("tests"), reason="done")
    html = client.get(status_url(request)).content.decode()
    assert re.search(r'class="step-done">\s*Done', html)
    assert "aria-current" not in html.split('class="progress-steps"')[1].split("</ol>")[0]


def test_the_status_page_is_get_only(client):
    request, _ = public_request()
    assert client.post(status_url(request)).status_code == 405


@pytest.mark.parametrize(
    ("chosen", "browser", "zone", "label"),
    [
        # The browser's zone, when its script could say it.
        ("", "Asia/Tokyo", "Asia/Tokyo", "Asia/Tokyo (GMT+9)"),
        ("vn", "Asia/Saigon", "Asia/Ho_Chi_Minh", "Asia/Ho_Chi_Minh (GMT+7)"),  # Chromium's old name
        # Else the law's: the one picked, or the one we apply.
        ("vn", "", "Asia/Ho_Chi_Minh", "Asia/Ho_Chi_Minh (GMT+7)"),
        ("us-ca", "Not/AZone", "America/Los_Angeles", "America/Los_Angeles (GMT-8)"),
        ("", "", "Europe/London", "Europe/London (GMT)"),
    ],
)
def test_the_confirmation_email_says_until_when_the_code_works(send, chosen, browser, zone, label):
    from zoneinfo import ZoneInfo

    assert send({"jurisdiction": chosen, "time_zone": browser}).status_code == 302
    request = SubjectRequest.objects.get()
    [message] = mail.outbox
    # Seven days from now, in the sender's zone, named: never an empty date, never the organisation's UTC.
    until = formats.date_format(request.confirmation_expires_at.astimezone(ZoneInfo(zone)), "DATETIME_FORMAT")
    assert f"The link and code work until {until} ({label})." in message.body
    assert "until  (" not in message.body


def test_the_status_page_tells_times_in_the_requesters_zone(client, customer):
    from apps.subject_requests.selectors.jurisdictions import jurisdiction_for

    # 5 December at 20:00 UTC (6 December in Vietnam) of last year, so it is in the past whatever day
    # the tests run on: a request cannot be received in the future.
    late_evening = timezone.now().replace(year=timezone.now().year - 1, month=12, day=5, hour=20, minute=0)
    request, _ = subject_request_create(
        request_type="access",
        channel="web_form",
        actor=None,
        requester_email="mai@example.test",
        jurisdiction=jurisdiction_for(code="vn"),
        received_at=late_evening,
    )
    request.status = SubjectRequest.Status.OPEN
    request.save()
    html = client.get(status_url(request)).content.decode()
    assert "Times in Asia/Ho_Chi_Minh (GMT+7)" in html
    assert formats.date_format(late_evening.date().replace(day=6), "DATE_FORMAT") in html

    # A request from an account: still the law's zone, as anyone with the link may open this
    # page and the account's zone is personal data (their own pages and emails use it).
    customer.time_zone = "America/New_York"
    customer.save()
    request, _ = subject_request_create(
        request_type="complaint",
        channel="account",
        actor=customer,
        subject=customer,
        received_at=late_evening,
        verification_method="signed_in",
    )
    html = client.get(status_url(request)).content.decode()
    assert "America/New_York" not in html
    assert f"Times in {request.jurisdiction.timezone} (" in html


def test_an_unconfirmed_request_shows_no_dates_yet(client):
    """No answer date and no extension date while nothing is received (seen on the status page)."""
    request, _code = public_request()
    html = client.get(status_url(request)).content.decode()
    assert "Not yet: waiting for the email address to be confirmed" in html
    assert "Can be extended to" not in html
    assert "We answer by" not in html
