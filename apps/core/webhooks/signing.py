"""Secrets and signatures per the Standard Webhooks specification (the ``standardwebhooks``
package signs and verifies; nothing here re-implements the HMAC).

A secret is shown once, when made, and stored encrypted (Fernet, with a key derived from
``WEBHOOK_SECRET_KEY``): signing needs the secret itself, so a hash would not do. During a
rotation an endpoint has two live secrets and every event carries a signature by each, as
the specification allows, so a receiver still holding the old one keeps verifying.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

PREFIX = "whsec_"
SecretRow = TypeVar("SecretRow", bound=Any)  # a WebhookSecretBase subclass's row


def _fernet() -> Fernet:
    secret_key = settings.WEBHOOK_SECRET_KEY or settings.SECRET_KEY
    key = hashlib.sha256(("webhook-secrets:" + secret_key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def new_secret() -> str:
    """A fresh 32-byte secret in the specification's ``whsec_<base64>`` form."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def secret_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # the key changed: the secret cannot be used, say so plainly
        raise ValueError("A webhook secret could not be decrypted (was WEBHOOK_SECRET_KEY changed?)") from exc


def sign_headers(*, secrets_: Iterable[str], event_id: str, timestamp: datetime, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, with one signature per live secret."""
    signatures = [Webhook(secret).sign(event_id, timestamp, body) for secret in secrets_]
    if not signatures:
        raise ValueError("An endpoint without a secret cannot be signed for")
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
    }


def verify(*, secrets_: Iterable[str], body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether any live secret verifies the body (the timestamp within five minutes)."""
    plain = {k.lower(): v for k, v in headers.items()}
    for secret in secrets_:
        try:
            Webhook(secret).verify(body, plain, json_parse=False)
        except WebhookVerificationError:
            continue
        return True
    return False


# --- Rotation: shared by every kind of endpoint (a system, an API client's subscription) -------

# How long an old secret keeps verifying after a rotation: time for the receiver to switch.
ROTATION_OVERLAP = timedelta(days=7)


def live_secret_filter(now: datetime | None = None) -> Q:
    """Secrets (WebhookSecretBase rows) not yet retired at ``now``."""
    now = now or timezone.now()
    return Q(retires_at__isnull=True) | Q(retires_at__gt=now)


def plain_secrets(secrets_of_one_endpoint: QuerySet) -> list[str]:
    """The plain secrets an endpoint's events are signed with, newest first."""
    live = secrets_of_one_endpoint.filter(live_secret_filter()).order_by("-created_at")
    return [secret_decrypt(s.encrypted) for s in live]


def secret_rotate(
    *, existing: QuerySet[SecretRow], make: Callable[[str], SecretRow], overlap: timedelta = ROTATION_OVERLAP
) -> tuple[SecretRow, str]:
    """Retire ``existing`` (one endpoint's secrets) after ``overlap`` and make a new one with
    ``make(encrypted)``; returns it with its plain text, the only time that is readable outside
    the signing code. The caller's transaction holds the lock on the old rows."""
    now = timezone.now()
    for secret in existing.select_for_update():
        if secret.retires_at is None or secret.retires_at > now + overlap:
            secret.retires_at = now + overlap
            secret.save(update_fields=["retires_at", "updated_at"])
    plain = new_secret()
    return make(secret_encrypt(plain)), plain
