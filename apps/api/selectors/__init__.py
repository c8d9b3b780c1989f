"""Reads of the API app, by sub-domain: clients (who is calling: keys, idempotency, person
tokens, filed requests, call counts), consent (the answers a check gives), feeds (what changed
since a cursor) and webhooks (who is owed an event and how deliveries went)."""

from apps.api.selectors.clients import (
    KEY_CACHE_VERSION,
    api_call_counts,
    api_filed_request_get,
    api_key_authenticate,
    api_key_cache_version,
    api_key_find,
    api_keyless_call_count,
    api_outside_call_counts,
    idempotency_get,
    person_token_read,
)
from apps.api.selectors.consent import (
    PURPOSE_CACHE_VERSION,
    Identifier,
    Reason,
    address_reason,
    consent_decision,
    consent_decisions,
    consent_reason_for,
    identifier_from,
    purpose_for_check,
)
from apps.api.selectors.feeds import (
    feed_settled_before,
    restriction_feed,
    suppression_feed,
)
from apps.api.selectors.webhooks import (
    Delivery,
    deliveries_of,
    subscription_refusal,
    subscription_secrets_for,
    subscriptions_for,
)

__all__ = [
    "KEY_CACHE_VERSION",
    "PURPOSE_CACHE_VERSION",
    "Delivery",
    "Identifier",
    "Reason",
    "address_reason",
    "api_call_counts",
    "api_filed_request_get",
    "api_key_authenticate",
    "api_key_cache_version",
    "api_key_find",
    "api_keyless_call_count",
    "api_outside_call_counts",
    "consent_decision",
    "consent_decisions",
    "consent_reason_for",
    "deliveries_of",
    "feed_settled_before",
    "idempotency_get",
    "identifier_from",
    "person_token_read",
    "purpose_for_check",
    "restriction_feed",
    "subscription_refusal",
    "subscription_secrets_for",
    "subscriptions_for",
    "suppression_feed",
]
