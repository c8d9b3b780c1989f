"""The core outbox and its guards: signing per Standard Webhooks, secrets at rest, rotation,
where a webhook may go, retries, giving up."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from standardwebhooks.webhooks import Webhook

from apps.core.models import WebhookEvent
from apps.core.webhooks import UnsafeTarget, check_target, webhook_enqueue, webhooks_relay
from apps.disclosures.models import Recipient
from apps.subject_requests.models import RequestMessage
from apps.systems.domain import ENDPOINT
from apps.systems.models import PropagationTask, SystemSecret
from apps.systems.selectors import secrets_for
from apps.systems.services import system_secret_rotate
from tests.subject_requests.test_execution import run, started
from tests.systems.conftest import make_system

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.0.0.5/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[64:ff9b::7f00:1]/hook",  # NAT64 to 127.0.0.1
        "https://[64:ff9b::a9fe:a9fe]/latest/meta-data",  # NAT64 to the metadata service
        "https://[2002:7f00:1::1]/hook",  # 6to4 from 127.0.0.1
        "https://[2002:a00:5::1]/hook",  # 6to4 from 10.0.0.5
        "https://[64:ff9b:1::a00:5]/hook",  # local-use NAT64
    ],
)
def test_it_refuses_private_loopback_and_link_local_targets_outside_tests(settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(UnsafeTarget):
        check_target(url)


def test_production_takes_https_only_and_no_credentials_in_the_url(settings):
    settings.WEBHOOKS_REQUIRE_HTTPS = True
    with pytest.raises(UnsafeTarget, match="https"):
        check_target("http://hooks.example.com/x", resolve=False)
    with pytest.raises(UnsafeTarget, match="user name"):
        check_target("https://me:pw@hooks.example.com/x", resolve=False)
    check_target("https://hooks.example.com/x", resolve=False)


def test_a_name_that_resolves_to_a_private_address_is_refused_at_save_and_send_time(settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False

    def resolves_to(address):
        return lambda *args, **kwargs: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 443))]

    monkeypatch.setattr(socket, "getaddrinfo", resolves_to("93.184.215.14"))
    system = make_system("Public", connector=Recipient.Connector.WEBHOOK, url="https://hooks.example.com/x")
    monkeypatch.setattr(socket, "getaddrinfo", resolves_to("192.168.1.10"))  # the DNS changed since
    with pytest.raises(ValidationError) as refused:
        system.full_clean()
    assert "webhook_url" in refused.value.message_dict
    system_secret_rotate(system=system, actor=None)
    webhook_enqueue(endpoint=ENDPOINT, endpoint_id=system.pk, url=system.webhook_url, event_type="t", data={},
                    dedupe_key="test:1")  # fmt: skip
    relayed = webhooks_relay()
    assert relayed.delivered == 0
    assert "private" in WebhookEvent.objects.get().last_error


def test_a_secret_is_stored_encrypted_and_rotation_keeps_the_old_one_verifying_for_a_while(httpserver):
    system = make_system("Rotating", connector=Recipient.Connector.WEBHOOK, url=httpserver.url_for("/r"))
    _first, old = system_secret_rotate(system=system, actor=None)
    _second, new = system_secret_rotate(system=system, actor=None)
    assert old not in SystemSecret.objects.values_list("encrypted", flat=True)
    assert secrets_for(str(system.pk)) == [new, old]
    seen = []
    httpserver.expect_request("/r").respond_with_handler(lambda r: seen.append(r) or _ok())
    webhook_enqueue(endpoint=ENDPOINT, endpoint_id=system.pk, url=system.webhook_url, event_type="t", data={"a": 1},
                    dedupe_key="test:rotation")  # fmt: skip
    assert webhooks_relay().delivered == 1
    body, headers = seen[0].get_data(), dict(seen[0].headers)
    # A receiver still on the old secret and one already on the new both verify the same delivery.
    assert Webhook(old).verify(body, headers) == Webhook(new).verify(body, headers)


def _ok():
    from werkzeug import Response

    return Response("", status=200)


def test_the_same_step_owes_one_event(httpserver):
    system = make_system("Once", connector=Recipient.Connector.WEBHOOK, url=httpserver.url_for("/once"))
    system_secret_rotate(system=system, actor=None)
    first = webhook_enqueue(endpoint=ENDPOINT, endpoint_id=system.pk, url=system.webhook_url, event_type="t",
                            data={}, dedupe_key="step:1")  # fmt: skip
    again = webhook_enqueue(endpoint=ENDPOINT, endpoint_id=system.pk, url=system.webhook_url, event_type="t",
                            data={}, dedupe_key="step:1")  # fmt: skip
    assert first.pk == again.pk
    assert first.event_id.startswith("msg_")


def test_a_receiver_that_never_answers_is_given_up_and_officers_are_told(
    settings, customer, webhook_system, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_MAX_ATTEMPTS = 3
    _system, hook = webhook_system("Always down", fail_first=99)
    request = run(started("erasure", customer), django_capture_on_commit_callbacks)

    relayed = webhooks_relay()

    assert (relayed.delivered, relayed.failed) == (0, 1)
    assert len(hook.received) == 3
    task = PropagationTask.objects.get(request=request)
    assert task.state == PropagationTask.State.FAILED
    assert "HTTP 503" in task.note
    assert request.messages.filter(kind=RequestMessage.Kind.INTERNAL, body__contains="Always down").exists()
    request.refresh_from_db()
    assert request.status == "in_progress"  # a failed system holds the request until an officer closes it


def _owe(system: Recipient, key: str) -> WebhookEvent:
    return webhook_enqueue(endpoint=ENDPOINT, endpoint_id=system.pk, url=system.webhook_url, event_type="t",
                           data={}, dedupe_key=key)  # fmt: skip


def test_a_claim_is_leased_for_as_long_as_its_batch_can_take(settings, httpserver):
    from django.utils import timezone

    from apps.core.webhooks.outbox import _claim

    settings.WEBHOOKS_TIMEOUT_SECONDS = 10
    system = make_system("Slow", connector=Recipient.Connector.WEBHOOK, url=httpserver.url_for("/slow"))
    system_secret_rotate(system=system, actor=None)
    for n in range(3):
        _owe(system, f"lease:{n}")
    now = timezone.now()
    claimed = _claim(3, now)
    # Every one of the three may time out on connecting and on reading, one after the other:
    # beat's next relay (a minute later) must not take them again meanwhile.
    leased_until = {e.next_attempt_at for e in WebhookEvent.objects.filter(pk__in=[e.pk for e in claimed])}
    assert all(until >= now + timedelta(seconds=3 * 2 * 10) for until in leased_until)
    assert all(until > now + timedelta(minutes=1) for until in leased_until)


def test_a_relay_that_overran_its_lease_cannot_overwrite_what_a_later_one_recorded(settings, httpserver):
    from django.utils import timezone

    from apps.core.webhooks.outbox import Relayed, _claim, _record

    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    system = make_system("Twice", connector=Recipient.Connector.WEBHOOK, url=httpserver.url_for("/twice"))
    system_secret_rotate(system=system, actor=None)
    httpserver.expect_request("/twice").respond_with_handler(lambda r: _ok())
    event = _owe(system, "stale:1")
    [stale] = _claim(10, timezone.now())  # a relay claims it, then stalls past its lease
    WebhookEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    settings.WEBHOOKS_MAX_ATTEMPTS = 5
    assert webhooks_relay().delivered == 1  # the next relay delivers it
    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    found = Relayed()
    # The stalled relay comes back with a timeout, on its last attempt: it would give up.
    _record([stale], {stale.pk: (False, None, "ReadTimeout")}, found)
    event.refresh_from_db()
    assert event.state == WebhookEvent.State.DELIVERED
    assert event.last_error == ""
    assert found.failed == 0


@pytest.mark.parametrize("url", ["https://example.com:99999/x", "https://[::1/x", "http://[zz]/x"])
def test_a_malformed_address_is_refused_clearly_at_save_and_fails_alone_at_send(url, httpserver):
    with pytest.raises(UnsafeTarget, match="not a valid web address"):
        check_target(url)
    system = make_system("Typo", connector=Recipient.Connector.WEBHOOK, url=httpserver.url_for("/fine"))
    system.webhook_url = url
    with pytest.raises(ValidationError) as refused:
        system.full_clean()
    assert "webhook_url" in refused.value.message_dict
    system_secret_rotate(system=system, actor=None)
    httpserver.expect_request("/fine").respond_with_handler(lambda r: _ok())
    _owe_to(system, url, "bad:1")
    _owe_to(system, httpserver.url_for("/fine"), "good:1")
    relayed = webhooks_relay()  # the bad one does not abort the batch
    assert relayed.delivered == 1
    bad = WebhookEvent.objects.get(dedupe_key="bad:1")
    assert bad.state == WebhookEvent.State.FAILED  # retried (no backoff in tests) until given up, alone
    assert "not a valid web address" in bad.last_error


def _owe_to(system: Recipient, url: str, key: str) -> WebhookEvent:
    return webhook_enqueue(endpoint=ENDPOINT, endpoint_id=system.pk, url=url, event_type="t", data={}, dedupe_key=key)


def test_a_translated_address_is_judged_by_the_ipv4_address_inside():
    from apps.core.webhooks.targets import blocked_address

    assert not blocked_address("64:ff9b::808:808")  # NAT64 to a public address is fine
    assert not blocked_address("2002:808:808::1")
    assert blocked_address("64:ff9b::c0a8:10a")  # 192.168.1.10


def test_a_name_that_rebinds_to_loopback_between_check_and_connect_is_refused(settings, monkeypatch, httpserver):
    """DNS rebinding: the check sees a public address, the connection a moment later reaches
    127.0.0.1. The connection's own peer is judged, so nothing reaches the local receiver."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 60  # one attempt in this relay, not all twelve
    real_getaddrinfo = socket.getaddrinfo
    # Public to the two checks (the URL saved, then the send), loopback to the connection after them.
    answers = iter(["93.184.215.14", "93.184.215.14"])

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example.com":
            return real_getaddrinfo(host, port, *args, **kwargs)
        address = next(answers, "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    seen = []
    httpserver.expect_request("/hook").respond_with_handler(lambda r: seen.append(r) or _ok())
    url = f"http://rebind.example.com:{httpserver.port}/hook"
    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    system = make_system("Rebinding", connector=Recipient.Connector.WEBHOOK, url=url)
    system_secret_rotate(system=system, actor=None)
    _owe_to(system, url, "test:rebinding")

    relayed = webhooks_relay()

    assert (relayed.delivered, relayed.retrying) == (0, 1)
    event = WebhookEvent.objects.get(dedupe_key="test:rebinding")
    assert event.state == WebhookEvent.State.PENDING  # retried later, like any failed connection
    assert "127.0.0.1" in event.last_error
    assert "Refused" in event.last_error
    assert seen == []


def test_the_webhook_session_lets_the_tests_reach_their_local_receivers(httpserver):
    from apps.core.webhooks.transport import webhook_session

    httpserver.expect_request("/local").respond_with_data("ok")
    with webhook_session() as session:
        assert session.get(httpserver.url_for("/local"), timeout=5).text == "ok"
