"""Clients' webhooks: consent changes and request status changes reach a real receiver on
localhost (pytest-httpserver) that checks each event with the Standard Webhooks verifier; only
clients whose scopes allow an event hear of it, a revoked client hears nothing more, a failing
receiver is retried, and the admin refuses addresses the worker may not call."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from apps.api.domain import WEBHOOK_ENDPOINT, Scope
from apps.api.models import WebhookSubscription
from apps.api.services import api_client_revoke, webhook_subscription_create, webhook_subscription_secret_rotate
from apps.consent.models import Purpose
from apps.consent.services.ledger import Context, consent_record
from apps.core.models import WebhookEvent
from apps.core.webhooks import webhooks_relay
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.services.requests import subject_request_transition
from tests.api.conftest import Caller
from tests.systems.conftest import Receiver

pytestmark = pytest.mark.django_db
CHOICES = reverse("consent:choices")
CONSENT = ["consent.changed"]
REQUESTS = ["request.status_changed"]


@pytest.fixture
def subscribe(httpserver, make_client, officer):
    """subscribe(events, scopes=…, fail_first=0) → (client, its key, subscription, receiver)."""

    def make(events, *, scopes=(Scope.CONSENT_CHECK,), fail_first: int = 0):
        client, key = make_client(scopes=list(scopes))
        path = f"/hooks/{uuid.uuid4().hex}"
        subscription, secret = webhook_subscription_create(
            subscription=WebhookSubscription(client=client, url=httpserver.url_for(path), event_types=list(events)),
            actor=officer,
        )
        receiver = Receiver(secret=secret, fail_first=fail_first)
        httpserver.expect_request(path, method="POST").respond_with_handler(receiver.handle)
        return client, key, subscription, receiver

    return make


def test_a_consent_change_on_the_page_sends_one_signed_event_to_the_scoped_client(client_as, customer, subscribe):
    _checker, _key, _sub, checker = subscribe(CONSENT, scopes=[Scope.CONSENT_CHECK])
    # consent:write alone records a choice for the one person whose token it holds: it does not
    # hear everyone's (the subscription was allowed when consent:write sufficed).
    writer_client, _key, _sub, writer = subscribe(CONSENT, scopes=[Scope.CONSENT_CHECK])
    writer_client.scopes = [Scope.CONSENT_WRITE]
    writer_client.save()
    narrowed, _key, _sub, narrowed_receiver = subscribe(CONSENT, scopes=[Scope.CONSENT_CHECK, Scope.REQUESTS_READ])
    _other, _key, _sub, other = subscribe(REQUESTS, scopes=[Scope.REQUESTS_READ, Scope.CONSENT_CHECK])
    # An officer took consent:check away after the subscription was made: the client hears nothing.
    narrowed.scopes = [Scope.REQUESTS_READ]
    narrowed.save()

    assert client_as("customer").post(CHOICES, {"purpose": "marketing-email", "granted": "1"}).status_code == 302

    assert webhooks_relay().delivered == 1
    assert checker.refused == 0
    (payload,) = checker.received
    assert payload["type"] == "consent.changed"
    # What a consent check would answer, not how it came about (no "method": that a person used
    # a right, or an officer or an import acted, is not the client's to learn).
    assert payload["data"] == {
        "account": str(customer.reference),
        "purpose": "marketing-email",
        "channel": "email",
        "allowed": True,
        "reason": "allowed",
        "changed_at": payload["data"]["changed_at"],
    }
    assert customer.email not in json.dumps(payload)
    assert narrowed_receiver.received == other.received == writer.received == []
    # Delivered once: the relay has nothing more, and the outbox kept no one's data.
    assert webhooks_relay().delivered == 0
    payloads = WebhookEvent.objects.filter(endpoint=WEBHOOK_ENDPOINT).values_list("payload", flat=True)
    assert all(p == {} for p in payloads)


def test_the_event_is_written_in_the_change_s_transaction(customer, subscribe):
    subscribe(CONSENT)
    purpose = Purpose.objects.get(code="newsletter")
    owed_inside = []

    def choose_then_fail():
        with transaction.atomic():
            consent_record(purpose=purpose, granted=True, context=Context(method="account_page"), actor=customer,
                           subject=customer)  # fmt: skip
            owed_inside.append(WebhookEvent.objects.filter(endpoint=WEBHOOK_ENDPOINT).count())
            raise RuntimeError("the change fails after the choice was recorded")

    with pytest.raises(RuntimeError):
        choose_then_fail()
    assert owed_inside == [1]  # written beside the ledger row…
    assert not WebhookEvent.objects.exists()  # rolled back with it: nothing owed for a choice never made


def test_a_visitor_s_choice_names_no_account_and_is_not_announced(subscribe):
    _client, _key, _sub, receiver = subscribe(CONSENT)
    consent_record(purpose=Purpose.objects.get(code="newsletter"), granted=True,
                   context=Context(method="cookie_banner"), actor=None, visitor_id="v" * 32)  # fmt: skip
    assert webhooks_relay().delivered == 0
    assert receiver.received == []


def test_a_request_s_status_change_reaches_the_client_that_filed_it_only(customer, officer, subscribe, person_token):
    _filer, key, _sub, filer = subscribe(REQUESTS, scopes=[Scope.REQUESTS_CREATE, Scope.REQUESTS_READ])
    _bystander, _key, _sub, bystander = subscribe(REQUESTS, scopes=[Scope.REQUESTS_READ])
    filed = Caller(key).post("/api/v1/requests", {"person_token": person_token, "request_type": "access"})
    assert filed.status_code == 201
    request = SubjectRequest.objects.get(reference=filed.json()["reference"])
    assert webhooks_relay().delivered == 0  # filing is not a change of status: the client has the answer

    subject_request_transition(request=request, to_status="rejected", actor=officer, reason="Not the account holder")

    assert webhooks_relay().delivered == 1
    (payload,) = filer.received
    assert payload["type"] == "request.status_changed"
    assert payload["data"]["request"] == str(request.reference)
    assert (payload["data"]["previous_status"], payload["data"]["status"]) == ("open", "rejected")
    assert payload["data"]["closed_at"]
    assert set(payload["data"]) == {
        "request", "request_type", "status", "previous_status", "changed_at", "due_at", "closed_at"
    }  # fmt: skip
    assert "Not the account holder" not in json.dumps(payload)  # the reason is the person's to read
    assert bystander.received == []


def test_a_revoked_client_gets_nothing_more(client_as, customer, officer, subscribe):
    client, _key, subscription, receiver = subscribe(CONSENT)
    client_as("customer").post(CHOICES, {"purpose": "marketing-email", "granted": "1"})
    owed = WebhookEvent.objects.get(endpoint=WEBHOOK_ENDPOINT)

    api_client_revoke(client=client, actor=officer)
    client_as("customer").post(CHOICES, {"purpose": "marketing-email", "granted": "0"})

    assert webhooks_relay().delivered == 0
    assert receiver.received == []
    owed.refresh_from_db()
    assert (owed.state, owed.payload) == (WebhookEvent.State.FAILED, {})
    assert "revoked" in owed.last_error
    assert WebhookEvent.objects.filter(endpoint=WEBHOOK_ENDPOINT).count() == 1  # the later change owes nothing
    with pytest.raises(ValidationError):
        webhook_subscription_secret_rotate(subscription=subscription, actor=officer)


def test_a_failing_receiver_is_retried_with_the_same_id_and_the_admin_shows_it(
    client_as, customer, subscribe, settings
):
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 3600  # backoff: about 1 hour, then 2
    _client, _key, subscription, receiver = subscribe(CONSENT, fail_first=2)
    client_as("customer").post(CHOICES, {"purpose": "marketing-email", "granted": "1"})
    officer = client_as("officer")
    page_url = reverse("admin:api_webhooksubscription_change", args=[subscription.pk])

    first = webhooks_relay()
    assert (first.delivered, first.retrying) == (0, 1)
    assert webhooks_relay().retrying == 0  # not due again before its backoff
    listing = officer.get(reverse("admin:api_webhooksubscription_changelist"))
    assert listing.status_code == 200
    assert [row._delivery.failing for row in listing.context["cl"].result_list] == [1]
    page = officer.get(page_url).content.decode()
    assert "of which failing: 1" in page
    assert "HTTP 503" in page

    start = timezone.now()
    with time_machine.travel(start + timedelta(hours=2)):
        assert webhooks_relay().retrying == 1
    with time_machine.travel(start + timedelta(hours=5)):
        assert webhooks_relay().delivered == 1
    assert len(receiver.ids) == 3  # three attempts…
    assert len(set(receiver.ids)) == 1  # …of one event, with one webhook-id
    page = officer.get(page_url).content.decode()
    assert "of which failing: 0" in page
    assert "last delivered: —" not in page


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("https://10.0.0.5/hook", "private, loopback or link-local"),
        ("https://127.0.0.1/hook", "private, loopback or link-local"),
        ("https://169.254.169.254/latest/meta-data", "private, loopback or link-local"),
        ("ftp://hooks.example.com/x", "https://"),
        ("https://me:pw@hooks.example.com/x", "user name or password"),
    ],
)
def test_the_admin_refuses_an_address_the_worker_may_not_call(client_as, make_client, settings, url, error):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    client, _key = make_client(scopes=[Scope.CONSENT_CHECK])
    response = client_as("officer").post(
        reverse("admin:api_webhooksubscription_add"),
        {"client": client.pk, "url": url, "event_types": CONSENT, "active": "on"},
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_the_admin_refuses_events_the_client_s_scopes_do_not_allow(client_as, make_client, httpserver):
    client, _key = make_client(scopes=[Scope.CONSENT_CHECK])
    response = client_as("officer").post(
        reverse("admin:api_webhooksubscription_add"),
        {"client": client.pk, "url": httpserver.url_for("/x"), "event_types": REQUESTS, "active": "on"},
    )
    assert response.status_code == 200
    assert "do not allow these events: request.status_changed" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_an_officer_sees_the_secret_once_and_rotation_keeps_the_old_one_verifying(
    client_as, customer, make_client, httpserver
):
    client, _key = make_client(scopes=[Scope.CONSENT_CHECK])
    officer = client_as("officer")
    made = officer.post(
        reverse("admin:api_webhooksubscription_add"),
        {"client": client.pk, "url": httpserver.url_for("/rotating"), "event_types": CONSENT, "active": "on"},
    )
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    old = made.context["secret"]
    subscription = WebhookSubscription.objects.get()
    change = officer.get(reverse("admin:api_webhooksubscription_change", args=[subscription.pk])).content.decode()
    assert old not in change
    assert old not in subscription.secrets.get().encrypted

    rotated = officer.post(reverse("admin:api_webhooksubscription_rotate", args=[subscription.pk]))
    assert "no-store" in rotated["Cache-Control"]
    new = rotated.context["secret"]
    assert new != old
    seen = []
    httpserver.expect_request("/rotating").respond_with_handler(lambda r: seen.append(r) or _ok())
    client_as("customer").post(CHOICES, {"purpose": "marketing-email", "granted": "1"})
    assert webhooks_relay().delivered == 1
    body, headers = seen[0].get_data(), dict(seen[0].headers)
    assert Webhook(old).verify(body, headers) == Webhook(new).verify(body, headers)


def test_an_inactive_subscription_is_owed_nothing(client_as, customer, subscribe):
    _client, _key, subscription, receiver = subscribe(CONSENT)
    client_as("customer").post(CHOICES, {"purpose": "marketing-email", "granted": "1"})
    officer = client_as("officer")
    response = officer.post(
        reverse("admin:api_webhooksubscription_change", args=[subscription.pk]),
        {"url": subscription.url, "event_types": CONSENT},  # "active" unticked
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client_as("customer").post(CHOICES, {"purpose": "marketing-email", "granted": "0"})
    assert webhooks_relay().delivered == 0
    assert receiver.received == []


def _ok():
    from werkzeug import Response

    return Response("", status=204)
