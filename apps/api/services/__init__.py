"""Writes of the API app, by sub-domain: clients (clients, keys, the call log, stored answers,
person tokens) and webhooks (clients' subscriptions and the events they are owed)."""

from apps.api.services.clients import (
    ROTATION_OVERLAP,
    api_call_log,
    api_client_change,
    api_client_create,
    api_client_revoke,
    api_filed_request_note,
    api_key_rotate,
    api_key_touch,
    idempotency_store,
    person_token_issue,
    person_token_spend,
)
from apps.api.services.webhooks import (
    consent_event_announce,
    request_status_announce,
    restriction_announce,
    suppression_announce,
    webhook_subscription_change,
    webhook_subscription_create,
    webhook_subscription_secret_rotate,
)

__all__ = [
    "ROTATION_OVERLAP",
    "api_call_log",
    "api_client_change",
    "api_client_create",
    "api_client_revoke",
    "api_filed_request_note",
    "api_key_rotate",
    "api_key_touch",
    "consent_event_announce",
    "idempotency_store",
    "person_token_issue",
    "person_token_spend",
    "request_status_announce",
    "restriction_announce",
    "suppression_announce",
    "webhook_subscription_change",
    "webhook_subscription_create",
    "webhook_subscription_secret_rotate",
]
