"""Signed outgoing webhooks with an outbox (Standard Webhooks), for any app that tells
another system about a step: apps/systems today, the public API's subscriptions later.

* ``signing``: per-endpoint secrets (generated, stored encrypted, rotated with overlap),
  signing and verifying with the ``standardwebhooks`` package.
* ``targets``: where a webhook may go (https in production, never a private, loopback or
  link-local address outside tests), checked when the URL is saved and again at send time.
* ``outbox``: ``webhook_enqueue`` (in the caller's transaction) and ``webhooks_relay`` (the
  worker's batch send with backoff), and the registry of endpoint kinds (whose secrets sign
  an event, who is told when it is delivered or given up).
"""

from apps.core.webhooks.outbox import (
    Endpoint,
    Relayed,
    register_endpoint,
    webhook_enqueue,
    webhook_enqueue_many,
    webhooks_drop,
    webhooks_relay,
    webhooks_retarget,
)
from apps.core.webhooks.signing import (
    ROTATION_OVERLAP,
    live_secret_filter,
    new_secret,
    plain_secrets,
    secret_decrypt,
    secret_encrypt,
    secret_rotate,
    sign_headers,
    verify,
)
from apps.core.webhooks.targets import UnsafeTarget, check_target

__all__ = [
    "ROTATION_OVERLAP",
    "Endpoint",
    "Relayed",
    "UnsafeTarget",
    "check_target",
    "live_secret_filter",
    "new_secret",
    "plain_secrets",
    "register_endpoint",
    "secret_decrypt",
    "secret_encrypt",
    "secret_rotate",
    "sign_headers",
    "verify",
    "webhook_enqueue",
    "webhook_enqueue_many",
    "webhooks_drop",
    "webhooks_relay",
    "webhooks_retarget",
]
