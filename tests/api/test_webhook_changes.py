"""Clients' webhooks after the things they depend on change: a scope taken away, a subscription
moved or made inactive, a client expired; and consent.changed saying what a consent check would
answer, for choices, the suppression list and restrictions. A real receiver (pytest-httpserver)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.api.domain import WEBHOOK_ENDPOINT, Scope
from apps.api.models import WebhookSubscription
from apps.api.services import api_client_update, webhook_subscription_change
from apps.consent.models import Purpose, Suppression
from apps.consent.services.ledger import Context, consent_record, restriction_lift, restriction_place, suppression_add
from apps.core.models import WebhookEvent
from apps.core.webhooks import webhooks_relay
from tests.api import test_webhooks
from tests.systems.conftest import Receiver

pytestmark = pytest.mark.django_db
CHOICES, CONSENT = test_webhooks.CHOICES, test_webhooks.CONSENT
subscribe = test_webhooks.subscribe  # the fixture: a client, its subscription and a real receiver


def _owed() -> list[WebhookEvent]:
    return list(WebhookEvent.objects.filter(endpoint=WEBHOOK_ENDPOINT).order_by("pk"))


def _answers(receiver: Receiver) -> list[tuple[str, bool, str]]:
    return [(p["data"]["purpose"], p["data"]["allowed"], p["data"]["reason"]) for p in receiver.received]


def test_a_queued_event_is_given_up_when_the_client_s_scope_is_taken_away(client_as, customer, subscribe):
    client, _key, _sub, receiver = subscribe(CONSENT)
    client_as("customer").post(CHOICES, {"purpose": "marketing-email", "granted": "1"})
    # Taken away without the service (as a data fix would): the relay asks again at send time.
    client.scopes = [Scope.REQUESTS_READ]
    client.save()

    assert webhooks_relay().failed == 1
    assert receiver.received == []
    (event,) = _owed()
    assert (event.state, event.payload) == (WebhookEvent.State.FAILED, {})
    assert "scopes" in event.last_error


def test_the_service_that_changes_scopes_drops_the_queued_events_at_once(client_as, customer, officer, subscribe):
    client, _key, _sub, receiver = subscribe(CONSENT)
    client_as("customer").post(CHOICES, {"purpose": "marketing-email", "granted": "1"})
    client.scopes = [Scope.REQUESTS_READ]
    api_client_update(client=client, actor=officer)

    (event,) = _owed()
    assert event.state == WebhookEvent.State.FAILED
    assert "scopes" in event.last_error
    assert webhooks_relay().delivered == 0
    assert receiver.received == []


def test_an_officer_can_make_a_subscription_inactive_after_its_client_s_scopes_narrowed(client_as, officer, subscribe):
    client, _key, subscription, _receiver = subscribe(CONSENT)
    client.scopes = [Scope.REQUESTS_READ]
    api_client_update(client=client, actor=officer)

    response = client_as("officer").post(
        reverse("admin:api_webhooksubscription_change", args=[subscription.pk]),
        {"url": subscription.url, "event_types": CONSENT},  # "active" unticked
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    subscription.refresh_from_db()
    assert subscription.active is False


def test_queued_events_follow_the_subscription_to_its_new_url(client_as, customer, officer, subscribe, httpserver):
    _client, _key, subscription, old = subscribe(CONSENT)
    client_as("customer").post(CHOICES, {"purpose": "marketing-email", "granted": "1"})
    path = f"/moved/{uuid.uuid4().hex}"
    moved = Receiver(secret=old.secret)
    httpserver.expect_request(path, method="POST").respond_with_handler(moved.handle)

    subscription.url = httpserver.url_for(path)
    webhook_subscription_change(subscription=subscription, actor=officer)

    assert webhooks_relay().delivered == 1
    assert old.received == []
    assert len(moved.received) == 1


def test_an_expired_client_s_queued_events_are_given_up_not_kept_for_an_extension(
    client_as, customer, officer, subscribe
):
    client, _key, _sub, receiver = subscribe(CONSENT)
    client_as("customer").post(CHOICES, {"purpose": "marketing-email", "granted": "1"})
    client.expires_at = timezone.now() - timedelta(minutes=1)
    client.save()

    assert webhooks_relay().failed == 1
    (event,) = _owed()
    assert (event.state, event.payload) == (WebhookEvent.State.FAILED, {})
    assert "expired" in event.last_error

    client.expires_at = timezone.now() + timedelta(days=30)
    api_client_update(client=client, actor=officer)
    assert webhooks_relay().delivered == 0
    assert receiver.received == []


def test_a_grant_while_suppressed_or_restricted_says_what_the_check_says(customer, officer, subscribe):
    _client, _key, _sub, receiver = subscribe(CONSENT)
    email = Purpose.objects.get(code="marketing-email")
    suppression_add(email=customer.email, channel="email", reason=Suppression.Reason.OFFICER)
    # An officer's record of a grant (not the person's own opt-in): the suppression stays.
    consent_record(purpose=email, granted=True, context=Context(method="officer"), actor=officer, subject=customer)

    webhooks_relay()
    choice = [p for p in receiver.received if p["data"]["purpose"] == "marketing-email"]
    answers = [(p["data"]["allowed"], p["data"]["reason"]) for p in choice]
    assert answers == [(False, "suppressed"), (False, "suppressed")]
    assert all("method" not in p["data"] and "granted" not in p["data"] for p in receiver.received)


def test_suppressions_and_restrictions_are_announced_for_the_purposes_they_touch(customer, officer, subscribe):
    _client, _key, _sub, receiver = subscribe(CONSENT)
    email, newsletter = Purpose.objects.get(code="marketing-email"), Purpose.objects.get(code="newsletter")
    for purpose in (email, newsletter):
        consent_record(purpose=purpose, granted=True, context=Context(method="account_page"), actor=customer,
                       subject=customer)  # fmt: skip
    webhooks_relay()
    receiver.received.clear()

    restriction = restriction_place(subject=customer, reason="Accuracy contested", actor=officer, purposes=[email])
    webhooks_relay()
    # Only the purpose restricted: the first announcement (before the purposes were attached)
    # was replaced in the same transaction.
    assert _answers(receiver) == [("marketing-email", False, "restricted")]

    receiver.received.clear()
    restriction_lift(restriction=restriction, actor=officer, reason="Corrected")
    webhooks_relay()
    assert _answers(receiver) == [("marketing-email", True, "allowed")]

    receiver.received.clear()
    suppression_add(email=customer.email, channel="email", reason=Suppression.Reason.OFFICER)
    webhooks_relay()
    touched = {purpose.code for purpose in Purpose.objects.filter(channel="email", is_active=True)}
    assert {code for code, _allowed, _reason in _answers(receiver)} == touched
    assert {(allowed, reason) for _code, allowed, reason in _answers(receiver)} == {(False, "suppressed")}

    receiver.received.clear()
    # The person opts in again on their page: the suppression is lifted and that is announced too.
    consent_record(purpose=email, granted=True, context=Context(method="account_page"), actor=customer,
                   subject=customer)  # fmt: skip
    webhooks_relay()
    assert ("marketing-email", True, "allowed") in _answers(receiver)


def test_a_withdrawal_is_announced_as_the_new_choice_not_the_one_it_replaces(client_as, customer, subscribe):
    # The ledger event is written before the account's current-state row is updated: the answer
    # must come from the choice being recorded, not from the row it is about to replace.
    _client, _key, _sub, receiver = subscribe(CONSENT)
    client_as("customer").post(CHOICES, {"purpose": "marketing-email", "granted": "1"})
    client_as("customer").post(CHOICES, {"purpose": "marketing-email", "granted": "0"})
    webhooks_relay()
    first, *after = _answers(receiver)
    assert first == ("marketing-email", True, "allowed")
    assert after
    assert all(allowed is False for _code, allowed, _reason in after)


def test_a_second_active_subscription_at_the_same_url_is_refused_with_a_clear_error(client_as, subscribe):
    client, _key, subscription, _receiver = subscribe(CONSENT)
    response = client_as("officer").post(
        reverse("admin:api_webhooksubscription_add"),
        {"client": client.pk, "url": subscription.url, "event_types": CONSENT, "active": "on"},
    )
    assert response.status_code == 200
    assert "already has an active subscription at this URL" in response.content.decode()
    assert WebhookSubscription.objects.count() == 1


def test_a_new_address_needs_a_fresh_second_factor_unticking_active_does_not(
    client_as, make_client, subscribe, time_machine, settings
):
    client, _key, subscription, _receiver = subscribe(CONSENT)
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    officer = client_as("officer")
    time_machine.move_to(start + timedelta(seconds=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 60), tick=False)
    change = reverse("admin:api_webhooksubscription_change", args=[subscription.pk])

    added = officer.post(
        reverse("admin:api_webhooksubscription_add"),
        {"client": client.pk, "url": subscription.url + "/other", "event_types": CONSENT, "active": "on"},
    )
    moved = officer.post(change, {"url": subscription.url + "/moved", "event_types": CONSENT, "active": "on"})
    for response in (added, moved):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    subscription.refresh_from_db()
    assert WebhookSubscription.objects.count() == 1
    assert not subscription.url.endswith("/moved")

    unticked = officer.post(change, {"url": subscription.url, "event_types": CONSENT})
    assert unticked.status_code == 302
    assert not unticked["Location"].startswith(reverse("mfa_reauthenticate"))
    subscription.refresh_from_db()
    assert subscription.active is False
