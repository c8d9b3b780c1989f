"""Systems for the propagation tests, and real HTTP receivers on localhost (pytest-httpserver)
that check every event with the Standard Webhooks package's own verifier."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from django.conf import settings
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug import Request, Response

from apps.disclosures.models import Recipient
from apps.personal_data.registry import Category
from apps.systems.services import system_secret_rotate
from tests.disclosures.factories import RecipientFactory


@dataclass
class Receiver:
    """One system's endpoint: verifies each event, answers 503 ``fail_first`` times, then 204."""

    secret: str
    fail_first: int = 0
    received: list[dict] = field(default_factory=list)  # verified payloads, in order
    ids: list[str] = field(default_factory=list)  # webhook-id of each delivery
    refused: int = 0

    def handle(self, request: Request) -> Response:
        body = request.get_data()
        try:
            payload = Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError:
            self.refused += 1
            return Response("bad signature", status=401)
        self.ids.append(request.headers["webhook-id"])
        self.received.append(payload)
        if len(self.received) <= self.fail_first:
            return Response("busy", status=503)
        return Response("", status=204)


def make_system(name: str, *, connector: str, url: str = "", **fields) -> Recipient:
    defaults = {
        "name": name,
        "role": Recipient.Role.PROCESSOR,
        "connector": connector,
        "categories_held": [Category.CONTACT.value, Category.USAGE.value],
        "identifiers": ["email"],
        "deadline_days": 10,
        "webhook_url": url,
    }
    defaults.update(fields)
    system = RecipientFactory(**defaults)
    system.full_clean()
    return system


@pytest.fixture
def webhook_system(httpserver, db):
    """make(name, fail_first=0) → (system, receiver): a webhook system with a secret and a live receiver."""

    def make(name: str, *, fail_first: int = 0, **fields) -> tuple[Recipient, Receiver]:
        path = f"/hooks/{uuid.uuid4().hex}"
        system = make_system(name, connector=Recipient.Connector.WEBHOOK, url=httpserver.url_for(path), **fields)
        _secret, plain = system_secret_rotate(system=system, actor=None)
        receiver = Receiver(secret=plain, fail_first=fail_first)
        httpserver.expect_request(path, method="POST").respond_with_handler(receiver.handle)
        return system, receiver

    return make


def callback(client, payload_data: dict, secret: str, answer: dict, *, msg_id: str | None = None):
    """The system answers on the callback URL of its event, signed with its own secret."""
    body = json.dumps(answer).encode()
    now = datetime.now(UTC)
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    path = payload_data["callback_url"].removeprefix(settings.SITE_URL.rstrip("/"))
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, now, body),
    }
    return client.post(path, data=body, content_type="application/json", headers=headers)
