"""The API's rules that need no database: scopes, key format, request fingerprints."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.actors import SystemActor
from apps.core.webhooks import UnsafeTarget, check_target


class Scope(models.TextChoices):
    """What a client may do; each endpoint needs exactly one."""

    CONSENT_CHECK = "consent:check", _("Check whether a purpose may be used for a person")
    CONSENT_WRITE = "consent:write", _("Record a person's consent choice")
    REQUESTS_CREATE = "requests:create", _("File requests for a signed-in person")
    REQUESTS_READ = "requests:read", _("Read the status of requests it filed")
    SUPPRESSION_READ = "suppression:read", _("Read the suppression list (hashes only)")
    RESTRICTIONS_READ = "restrictions:read", _("Read the processing restrictions in force")


KEY_PREFIX = "ppk"  # "privacy portal key": secret scanners can be taught this shape
PREFIX_LENGTH = 12  # hex characters that name the key (stored in clear, indexed)


def key_new() -> tuple[str, str, str]:
    """A new key as (full key shown once, its public prefix, the SHA-256 digest we store).

    32 random bytes: a digest of that much entropy needs no slow hash, so checking a key
    costs one indexed lookup and one comparison.
    """
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    secret = secrets.token_urlsafe(32)
    full = f"{KEY_PREFIX}_{prefix}_{secret}"
    return full, prefix, key_digest(full)


def key_digest(full_key: str) -> str:
    return hashlib.sha256(full_key.encode()).hexdigest()


def key_parse(presented: str) -> str | None:
    """The prefix of a presented key, or None when it does not have a key's shape."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != PREFIX_LENGTH:
        return None
    return parts[1]


def key_matches(presented: str, digest: str) -> bool:
    return hmac.compare_digest(key_digest(presented), digest)


def key_is_live(key: Any, now: datetime | None = None) -> bool:
    """Whether an ApiKey (its client selected with it) is accepted now: neither it nor its
    client revoked or expired."""
    now = now or timezone.now()
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return False
    return bool(key.client.is_live(now))


def body_fingerprint(payload: Any) -> str:
    """The same JSON, however its keys were ordered or spaced, gives the same fingerprint."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def networks_parse(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The allowed ranges, one per line; raises ValueError naming the first bad line."""
    found = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            found.append(ipaddress.ip_network(line, strict=False))
        except ValueError as exc:
            raise ValueError(_("“%(line)s” is not an IP address or range.") % {"line": line}) from exc
    return found


def client_allows_address(client: Any, address: str | None) -> bool:
    """Whether an ApiClient accepts its keys from ``address`` (any address when it names no networks)."""
    return address_allowed(address, networks_parse(client.allowed_networks))


def address_allowed(address: str | None, networks: list) -> bool:
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in networks)


def api_actor(client: Any) -> SystemActor:
    """How ledgers and history name a write made through the API: the client, by name."""
    return SystemActor(name=f"api:{client.name}"[:100])


# The person token (Your Account → app token): signed with its own salt so it cannot stand in for
# any other signed value, and short-lived.
PERSON_TOKEN_SALT = "apps.api.person-token"
PERSON_TOKEN_MAX_AGE = timedelta(minutes=10)

# Calls without a live key (apps.api.middleware): counted per minute in the cache, not one log
# row each. The total of a window lives under this key for an hour (selectors.api_keyless_call_count).
KEYLESS_WINDOW_SECONDS = 60
KEYLESS_COUNT_KEY = "api:keyless-total:{window}"
# Calls refused because a live key came from outside its client's networks: counted the same
# way, per client (selectors.api_outside_call_counts), since the key may have leaked.
OUTSIDE_COUNT_KEY = "api:outside-total:{client}:{window}"

# --- Webhooks out (README, "API for other systems" → Webhooks) ----------------------------------

WEBHOOK_ENDPOINT = "api.subscription"  # the outbox's endpoint kind for clients' subscriptions


class EventType(models.TextChoices):
    CONSENT_CHANGED = "consent.changed", _("A person's consent choice was recorded")
    REQUEST_STATUS_CHANGED = "request.status_changed", _("A request the client filed changed status")


# A client hears of an event only with a scope that would let it ask for the same fact: consent
# events to those that check consent (they can ask about anyone; consent:write alone records a
# choice for the one person whose token the client holds, and must not hear everyone's), request
# events to those that read requests (and then only for the requests they filed).
EVENT_SCOPES: dict[str, frozenset[str]] = {
    EventType.CONSENT_CHANGED: frozenset({Scope.CONSENT_CHECK}),
    EventType.REQUEST_STATUS_CHANGED: frozenset({Scope.REQUESTS_READ}),
}


def event_allowed(event_type: str, scopes: list[str]) -> bool:
    return bool(EVENT_SCOPES.get(event_type, frozenset()) & set(scopes or []))


def subscription_problems(*, url: str, event_types: list[str], scopes: list[str] | None) -> dict[str, str]:
    """What is wrong with a subscription, by field: the address (apps.core.webhooks.check_target:
    https in production, never a private, loopback or link-local host) and the events (known,
    at least one, each allowed by the client's scopes; None: no client chosen yet)."""
    problems: dict[str, str] = {}
    try:
        check_target(url or "")
    except UnsafeTarget as exc:
        problems["url"] = str(exc)
    unknown = sorted(set(event_types or []) - set(EventType.values))
    if not event_types:
        problems["event_types"] = str(_("Choose at least one event."))
    elif unknown:
        problems["event_types"] = str(_("Unknown events: %(names)s") % {"names": ", ".join(unknown)})
    elif scopes is not None:
        refused = [name for name in event_types if not event_allowed(name, scopes)]
        if refused:
            problems["event_types"] = str(
                _("The client's scopes do not allow these events: %(names)s (see the scopes each needs).")
                % {"names": ", ".join(refused)}
            )
    return problems
