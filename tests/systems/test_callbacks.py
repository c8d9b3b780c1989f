"""The callback a system answers on: only its own signature, bounded and validated input, a
clear 4xx for anything wrong, and never a second answer that contradicts the first."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from standardwebhooks.webhooks import Webhook

from apps.core.webhooks import webhooks_relay
from apps.systems.models import PropagationTask
from apps.systems.services import system_secret_rotate
from tests.subject_requests.test_execution import run, started
from tests.systems.conftest import callback

pytestmark = pytest.mark.django_db


@pytest.fixture
def told(customer, webhook_system, django_capture_on_commit_callbacks):
    system, hook = webhook_system("Billing processor")
    run(started("erasure", customer), django_capture_on_commit_callbacks)
    webhooks_relay()
    return system, hook, hook.received[0]["data"]


def test_it_refuses_an_answer_not_signed_by_the_systems_secret(told):
    _system, _hook, data = told
    other = "whsec_" + "A" * 43 + "="
    response = callback(Client(), data, other, {"status": "done"})
    assert response.status_code == 401
    assert PropagationTask.objects.get().state == PropagationTask.State.SENT


def test_it_refuses_a_stale_signature(told):
    _system, hook, data = told
    body = json.dumps({"status": "done"}).encode()
    then = datetime.now(UTC) - timedelta(minutes=10)
    headers = {"webhook-id": "msg_old", "webhook-timestamp": str(int(then.timestamp())),
               "webhook-signature": Webhook(hook.secret).sign("msg_old", then, body)}  # fmt: skip
    path = reverse("systems:callback", args=[data["task"]])
    assert Client().post(path, data=body, content_type="application/json", headers=headers).status_code == 401


def test_an_unknown_task_looks_like_a_bad_signature(told):
    _system, hook, data = told
    response = callback(
        Client(),
        {**data, "callback_url": data["callback_url"][:-37] + "0" * 8 + "-0000-0000-0000-" + "0" * 12 + "/"},
        hook.secret,
        {"status": "done"},
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ({"status": "deleted"}, 400),
        ({"status": "done", "counts": {"rows": -1}}, 400),
        ({"status": "done", "counts": {"rows": "many"}}, 400),
        ({"status": "done", "counts": [1, 2]}, 400),
        (["done"], 400),
        ({"status": "done", "message": "x" * 1001}, 400),
    ],
)
def test_it_answers_bad_input_with_a_clear_400(told, answer, status):
    _system, hook, data = told
    response = callback(Client(), data, hook.secret, answer)
    assert response.status_code == status
    assert "error" in response.json()
    assert PropagationTask.objects.get().state == PropagationTask.State.SENT


def test_it_refuses_a_body_over_the_limit_before_reading_it(told, settings):
    settings.SYSTEMS_CALLBACK_MAX_BYTES = 100
    settings.SYSTEMS_ACCESS_FILE_MAX_BYTES = 30  # every reference's limit: 100 + 40 (base64 of 30)
    _system, hook, data = told
    response = callback(Client(), data, hook.secret, {"status": "done", "message": "x" * 200})
    assert response.status_code == 413


def test_a_repeated_answer_is_accepted_once_and_a_contradiction_is_refused(told):
    _system, hook, data = told
    first = callback(Client(), data, hook.secret, {"status": "done", "counts": {"rows": 3}})
    again = callback(Client(), data, hook.secret, {"status": "done", "counts": {"rows": 3}})
    contradiction = callback(Client(), data, hook.secret, {"status": "failed"})
    assert (first.status_code, again.status_code, contradiction.status_code) == (200, 200, 409)
    task = PropagationTask.objects.get()
    assert task.state == PropagationTask.State.CONFIRMED
    assert task.counts == {"rows": 3}


def test_a_rotated_out_secret_still_verifies_during_the_overlap(told):
    system, hook, data = told
    system_secret_rotate(system=system, actor=None)
    assert callback(Client(), data, hook.secret, {"status": "nothing_held"}).status_code == 200


def test_it_takes_only_post(told):
    _system, _hook, data = told
    assert Client().get(reverse("systems:callback", args=[data["task"]])).status_code == 405


@pytest.mark.parametrize(
    "body",
    [
        b'{"status": "done", "counts": {"rows": ' + b"[" * 20000 + b"]" * 20000 + b"}}",  # nested past recursion
        b'{"status": "done", "counts": {"rows": ' + b"9" * 5000 + b"}}",  # past the integer digit limit
        b'{"status": "done", "message": "\xff"}',  # not UTF-8
    ],
)
def test_a_body_the_parser_cannot_take_is_a_clear_400(told, body):
    _system, hook, data = told
    now = datetime.now(UTC)
    headers = {"webhook-id": "msg_deep", "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": Webhook(hook.secret).sign("msg_deep", now, body)}  # fmt: skip
    path = reverse("systems:callback", args=[data["task"]])
    response = Client().post(path, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]
    assert PropagationTask.objects.get().state == PropagationTask.State.SENT
