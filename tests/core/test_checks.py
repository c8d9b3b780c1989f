"""The key rules of apps.core.checks on the values operators really generate (issue 13, finding 7)."""

from __future__ import annotations

import secrets

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from apps.core.checks import key_weakness


@pytest.mark.parametrize(
    "key",
    [secrets.token_hex(40), secrets.token_urlsafe(64), "django-" + secrets.token_urlsafe(50)],
    ids=["openssl-rand-hex-40", "token-urlsafe", "prefixed"],
)
def test_it_accepts_generated_keys(key):
    assert key_weakness(key) is None


@pytest.mark.parametrize("key", ["", None, "ChangeMe", " secret ", "x" * 80, "0123456789" * 4])
def test_it_refuses_empty_known_repetitive_or_short_keys(key):
    assert key_weakness(key) is not None


def test_the_checks_refuse_weak_keys_only_where_production_asks(settings):
    settings.SECRET_KEY = "changeme"
    call_command("check")  # the tests' and the embedded default's settings
    settings.STRONG_KEYS_REQUIRED = True
    with pytest.raises(SystemCheckError, match=r"core\.E001"):
        call_command("check")


def test_a_negative_proxy_count_is_refused(settings):
    settings.TRUSTED_PROXY_COUNT = -1
    with pytest.raises(SystemCheckError, match=r"core\.E004"):
        call_command("check")
