"""consent.changed when an account is closed (the customer's deletion, an officer's switch, the
erasure engine) or opened again: what a check by account reference then answers, for every
active purpose, written in the closing's transaction. A real receiver (pytest-httpserver)."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.test import TestCase
from django.urls import reverse

from apps.api.domain import WEBHOOK_ENDPOINT, Scope
from apps.api.services import account_state_announce
from apps.consent.models import Purpose
from apps.consent.services.ledger import Context, consent_record
from apps.core.actors import SystemActor
from apps.core.models import WebhookEvent
from apps.core.webhooks import webhooks_relay
from apps.personal_data.erasure.run import erasure_carry_out_here, erasure_start
from apps.retention.services.deletion import account_deletion_cancel, account_deletion_request
from tests.api import test_webhooks
from tests.systems.conftest import Receiver

pytestmark = pytest.mark.django_db
CONSENT = test_webhooks.CONSENT
subscribe = test_webhooks.subscribe  # the fixture: a client, its subscription and a real receiver
TESTS = SystemActor("tests")
DATA_KEYS = {"account", "purpose", "channel", "allowed", "reason", "changed_at"}  # as every consent.changed


def _active_purposes() -> list[str]:
    return list(Purpose.objects.filter(is_active=True).order_by("code").values_list("code", flat=True))


def _owed() -> int:
    return WebhookEvent.objects.filter(endpoint=WEBHOOK_ENDPOINT).count()


def _answers(receiver: Receiver) -> dict[str, tuple[bool, str]]:
    """The last answer per purpose, as a mirror would keep it."""
    return {p["data"]["purpose"]: (p["data"]["allowed"], p["data"]["reason"]) for p in receiver.received}


def _erase(user) -> None:
    with TestCase.captureOnCommitCallbacks(execute=False):
        run = erasure_start(subject=user, actor=TESTS, reason="test erasure")
    with TestCase.captureOnCommitCallbacks(execute=True):
        erasure_carry_out_here(run)


def test_a_customer_s_deletion_tells_each_checking_client_account_closed_for_every_active_purpose(customer, subscribe):
    _client, _key, _sub, checker = subscribe(CONSENT)
    # A client that may only record choices (consent:write) hears nothing, as for a choice.
    writer, _key, _sub, writer_receiver = subscribe(CONSENT)
    writer.scopes = [Scope.CONSENT_WRITE]
    writer.save()

    account_deletion_request(user=customer, actor=customer)

    purposes = _active_purposes()
    assert webhooks_relay().delivered == len(purposes)  # signed: the Receiver verifies each one
    assert _answers(checker) == dict.fromkeys(purposes, (False, "account_closed"))
    for payload in checker.received:
        assert payload["type"] == "consent.changed"
        assert set(payload["data"]) == DATA_KEYS
        assert payload["data"]["account"] == str(customer.reference)
        assert customer.email not in json.dumps(payload)
    assert writer_receiver.received == []


def test_a_closing_that_rolls_back_owes_nothing(customer, subscribe):
    _client, _key, _sub, receiver = subscribe(CONSENT)
    owed_inside = []

    def close_then_fail():
        with transaction.atomic():
            customer.is_active = False  # an officer's switch on the customer's page
            customer.save()
            owed_inside.append(_owed())
            raise RuntimeError("the change fails after the account was closed")

    with pytest.raises(RuntimeError):
        close_then_fail()
    assert owed_inside == [len(_active_purposes())]  # written beside the account's row…
    assert _owed() == 0  # …and rolled back with it
    assert webhooks_relay().delivered == 0
    assert receiver.received == []


def test_erasing_an_account_its_owner_closed_sends_nothing_more(customer, subscribe):
    _client, _key, _sub, receiver = subscribe(CONSENT)
    account_deletion_request(user=customer, actor=customer)
    owed = _owed()

    _erase(customer)

    assert _owed() == owed  # the answer was already account_closed: no second flood
    webhooks_relay()
    assert _answers(receiver) == dict.fromkeys(_active_purposes(), (False, "account_closed"))


def test_an_erasure_of_an_open_account_announces_its_closing_once(customer, subscribe):
    _client, _key, _sub, receiver = subscribe(CONSENT)
    email = customer.email
    consent_record(purpose=Purpose.objects.get(code="newsletter"), granted=True,
                   context=Context(method="account_page"), actor=customer, subject=customer)  # fmt: skip
    webhooks_relay()
    receiver.received.clear()

    _erase(customer)
    _erase(customer)  # a second erasure finds the account closed already

    purposes = _active_purposes()
    assert webhooks_relay().delivered == len(purposes)
    assert _answers(receiver) == dict.fromkeys(purposes, (False, "account_closed"))
    # The reference the client already held, kept by the erasure; nothing else of the person.
    customer.refresh_from_db()
    assert {p["data"]["account"] for p in receiver.received} == {str(customer.reference)}
    assert all(email not in json.dumps(p) for p in receiver.received)


def test_cancelling_the_deletion_sends_the_person_s_own_answers_again(customer, subscribe):
    _client, _key, _sub, receiver = subscribe(CONSENT)
    consent_record(purpose=Purpose.objects.get(code="newsletter"), granted=True,
                   context=Context(method="account_page"), actor=customer, subject=customer)  # fmt: skip
    account_deletion_request(user=customer, actor=customer)
    webhooks_relay()
    receiver.received.clear()

    account_deletion_cancel(user=customer, actor=customer, reason="Signed in during the grace period")

    assert webhooks_relay().delivered == len(_active_purposes())
    answers = _answers(receiver)
    assert answers["newsletter"] == (True, "allowed")
    assert all(reason != "account_closed" for _allowed, reason in answers.values())


def test_saves_that_leave_the_account_open_or_closed_announce_nothing(customer, subscribe):
    subscribe(CONSENT)
    customer.full_name = "A new name"
    customer.save()
    customer.save(update_fields=["last_login"])
    assert _owed() == 0

    account_deletion_request(user=customer, actor=customer)
    owed = _owed()
    customer.refresh_from_db()
    customer.is_active = False  # closed already: the check's answer stays account_closed
    customer.save()
    assert _owed() == owed


def test_the_same_closing_announced_twice_is_owed_once(customer, subscribe):
    _client, _key, _sub, receiver = subscribe(CONSENT)
    customer.is_active = False
    customer.save()
    purposes = _active_purposes()

    # Asked again for a step already owed (a listener run twice): the dedupe keys say it is.
    account_state_announce(subject=customer, step="closed:erasure:run-1")
    account_state_announce(subject=customer, step="closed:erasure:run-1")

    assert _owed() == 2 * len(purposes)  # the officer's closing and this one, once each
    assert webhooks_relay().delivered == 2 * len(purposes)
    assert len(set(receiver.ids)) == len(receiver.ids)


def test_an_officer_unticking_active_on_the_customer_s_page_announces_the_closing(client_as, customer, subscribe):
    _client, _key, _sub, receiver = subscribe(CONSENT)
    form = {
        "full_name": customer.full_name,
        "phone": customer.phone,
        "mailing_address": customer.mailing_address,
        "country": "",
        "preferred_language": customer.preferred_language,
        "status": customer.status,  # "is_active" unticked
        **{
            f"{inline}-{count}": 0
            for inline in ("public_profile", "login_events")
            for count in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
    }

    response = client_as("officer").post(reverse("admin:accounts_user_change", args=[customer.pk]), form)

    assert response.status_code == 302, response.content.decode()[:2000]
    customer.refresh_from_db()
    assert customer.is_active is False
    webhooks_relay()
    assert _answers(receiver) == dict.fromkeys(_active_purposes(), (False, "account_closed"))


# --- Review fixes ------------------------------------------------------------------------------


def _owed_for(user) -> int:
    return WebhookEvent.objects.filter(endpoint=WEBHOOK_ENDPOINT, payload__data__account=str(user.reference)).count()


def test_two_accounts_closed_in_the_same_instant_are_each_announced(customer, other_customer, subscribe):
    import time_machine

    subscribe(CONSENT)
    with time_machine.travel("2026-12-06T18:00:00Z", tick=False):
        account_deletion_request(user=customer, actor=customer)
        account_deletion_request(user=other_customer, actor=other_customer)
    assert _owed_for(customer) == _owed_for(other_customer) == len(_active_purposes())


@pytest.fixture
def failing_closure_listener():
    from apps.personal_data.registry import people

    def listener(subject_id, was_active, erasure):
        raise ValueError("a fault in a listener")

    people.register_closure_listener(listener)
    yield
    people._closure_listeners.remove(listener)


def test_a_failing_closure_listener_never_stops_an_erasure_nor_the_others(
    customer, subscribe, failing_closure_listener, caplog
):
    from apps.personal_data.models import ErasureRun

    subscribe(CONSENT)
    _erase(customer)
    customer.refresh_from_db()
    assert ErasureRun.objects.get(subject_id=customer.pk).status == ErasureRun.Status.COMPLETED
    assert not customer.is_active
    assert _owed_for(customer) == len(_active_purposes())  # the API's own listener still announced it
    assert "a closure listener failed" in caplog.text


def test_a_failed_save_leaves_nothing_a_later_save_announces(customer, other_customer, subscribe):
    from django.db import IntegrityError

    from apps.accounts.models import User

    subscribe(CONSENT)
    customer.is_active = False
    customer.email = other_customer.email  # refused: the address is another account's
    with pytest.raises(IntegrityError), transaction.atomic():
        customer.save()
    customer.refresh_from_db(fields=["email"])
    customer.save(update_fields=["last_login"])  # is_active=False is in memory only
    assert User.objects.get(pk=customer.pk).is_active is True
    assert _owed() == 0


def test_an_officer_ticking_active_again_sends_the_person_s_own_answers(customer, subscribe):
    _client, _key, _sub, receiver = subscribe(CONSENT)
    customer.is_active = False
    customer.save()
    customer.is_active = True
    customer.save()
    webhooks_relay()
    assert _owed() == 2 * len(_active_purposes())
    assert all(reason != "account_closed" for _allowed, reason in _answers(receiver).values())
