"""System checks on the keys, the proxy settings (issue 13, finding 7) and the site's address (issue 14).

Production settings set STRONG_KEYS_REQUIRED: there a weak, published or shared key is an Error
of plain ``check`` and the served entry points refuse to start (config/wsgi.py, asgi.py, celery.py
call ``refuse_weak_keys``, which runs every check tagged ``STARTUP_TAG``; gunicorn runs no system
checks itself). ``check --deploy`` applies the
same rules to any settings module, and also refuses a proxy header trusted without a proxy count.

SITE_URL is where every link we send points (emails, List-Unsubscribe, the Facebook callback's
status page, allauth's confirmation and reset links): production settings set SITE_URL_REQUIRED,
and there anything but an absolute ``https://`` origin is an Error of plain ``check`` (so of
``check --deploy`` too) and the served entry points refuse to start, as for a weak key;
``check --deploy`` applies the same rule to any settings module.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

KEYS_TAG = "portal_keys"
# The checks a server or worker runs before it starts (``refuse_weak_keys``): the keys and SITE_URL.
STARTUP_TAG = "portal_startup"
MIN_KEY_LENGTH = 50
MIN_KEY_UNIQUE_CHARACTERS = 10
# Values seen in the wild, documentation and this repository; compared case-insensitively.
KNOWN_KEYS = frozenset({"changeme", "change-me", "change_me", "secret", "secret-key", "insecure", "django-insecure"})
DJANGO_INSECURE_PREFIX = "django-insecure"


def key_weakness(key: Any) -> str | None:
    """Why ``key`` must not protect production, or None when it may."""
    if not isinstance(key, str) or not key:
        return "it is not set"
    normalised = key.strip().lower()
    if normalised in KNOWN_KEYS or key == settings.LOCAL_ONLY_SECRET_KEY:
        return "it is a published value"
    if normalised.startswith(DJANGO_INSECURE_PREFIX) or settings.LOCAL_ONLY_SECRET_KEY in key:
        return "it is derived from a published value"
    if len(key) < MIN_KEY_LENGTH:
        return f"it has {len(key)} characters, fewer than {MIN_KEY_LENGTH}"
    if len(set(key)) < MIN_KEY_UNIQUE_CHARACTERS:
        return f"it has {len(set(key))} distinct characters, fewer than {MIN_KEY_UNIQUE_CHARACTERS}"
    return None


GENERATE_HINT = "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"


def key_errors() -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    secret_weakness = key_weakness(settings.SECRET_KEY)
    if secret_weakness:
        errors.append(
            checks.Error(
                f"DJANGO_SECRET_KEY must not protect production: {secret_weakness}.", hint=GENERATE_HINT, id="core.E001"
            )
        )
    pseudonym_key = getattr(settings, "PSEUDONYM_KEY", "")
    pseudonym_weakness = key_weakness(pseudonym_key)
    if pseudonym_weakness:
        errors.append(
            checks.Error(
                f"PSEUDONYM_KEY must not protect production: {pseudonym_weakness}.", hint=GENERATE_HINT, id="core.E002"
            )
        )
    elif pseudonym_key == settings.SECRET_KEY or pseudonym_key in getattr(settings, "SECRET_KEY_FALLBACKS", []):
        errors.append(
            checks.Error(
                "PSEUDONYM_KEY is the same as the secret key: rotating one would then break the other.",
                hint="Set PSEUDONYM_KEY to its own random value. " + GENERATE_HINT,
                id="core.E003",
            )
        )
    return errors


@checks.register(KEYS_TAG, STARTUP_TAG)
def check_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return key_errors() if settings.STRONG_KEYS_REQUIRED else []


@checks.register(checks.Tags.security, deploy=True)
def check_keys_for_deployment(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    # Where STRONG_KEYS_REQUIRED is on, check_keys has already said it.
    return [] if settings.STRONG_KEYS_REQUIRED else key_errors()


@checks.register(checks.Tags.security)
def check_trusted_proxy_count(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    count = settings.TRUSTED_PROXY_COUNT
    if count is not None and count < 0:
        return [checks.Error("DJANGO_TRUSTED_PROXY_COUNT cannot be negative.", id="core.E004")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_trusted_proxy_count_behind_proxy(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.SECURE_PROXY_SSL_HEADER and settings.TRUSTED_PROXY_COUNT is None:
        return [
            checks.Error(
                "SECURE_PROXY_SSL_HEADER trusts a reverse proxy, but DJANGO_TRUSTED_PROXY_COUNT is not set: "
                "every client would share the proxy's address in the rate limits.",
                hint="Set DJANGO_TRUSTED_PROXY_COUNT to the number of proxies of yours that append to "
                "X-Forwarded-For (usually 1), or 0 if your server already puts the client's address in REMOTE_ADDR.",
                id="core.E005",
            )
        ]
    return []


def site_url_weakness(value: Any) -> str | None:
    """Why ``value`` cannot be the address links are built from in production, or None when it can."""
    if not isinstance(value, str) or not value.strip():
        return "it is not set"
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 -- raises on a malformed port
    except ValueError:
        return "it is not a URL"
    if parts.scheme != "https":
        return "it is not https:// (RFC 8058 one-click unsubscribe and sign-in links need HTTPS)"
    if not parts.hostname:
        return "it has no host name"
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return "it must be an origin only, e.g. https://privacy.example.com"
    if parts.hostname in ("localhost", "127.0.0.1", "::1") or parts.hostname.endswith(".localhost"):
        return "it points at this machine"
    return None


def site_url_errors() -> list[checks.CheckMessage]:
    weakness = site_url_weakness(getattr(settings, "SITE_URL", ""))
    if weakness is None:
        return []
    return [
        checks.Error(
            f"SITE_URL cannot be the address of the links we send: {weakness}.",
            hint="Set SITE_URL to the portal's public https:// address, e.g. https://privacy.example.com.",
            id="core.E006",
        )
    ]


@checks.register(checks.Tags.security, STARTUP_TAG)
def check_site_url(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return site_url_errors() if getattr(settings, "SITE_URL_REQUIRED", False) else []


@checks.register(checks.Tags.security, deploy=True)
def check_site_url_for_deployment(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    # Where SITE_URL_REQUIRED is on, check_site_url has already said it.
    return [] if getattr(settings, "SITE_URL_REQUIRED", False) else site_url_errors()


def refuse_weak_keys() -> None:
    """Raise instead of serving with a key or SITE_URL check failing: servers and workers do not
    run ``check``, and a worker with no SITE_URL would send relative links."""
    errors = [message for message in checks.run_checks(tags=[STARTUP_TAG]) if message.is_serious()]
    if errors:
        raise ImproperlyConfigured("Refusing to start:\n" + "\n".join(str(error) for error in errors))
