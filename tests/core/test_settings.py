"""Production settings: refuse to start half-configured, and pass Django's deploy checks (P-50)."""

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x9Kq2Lm8Zp4Rt7Vw1Ny6Bc3Hd5Jf0Gs",
    "PSEUDONYM_KEY": "another-long-random-pseudonym-key-" + "Qe7Wr4Ty1Ui8Op5As2Df9Gh6Jk3Lz0Xc",
    "DJANGO_TRUSTED_PROXY_COUNT": "1",
    "DATABASE_URL": "postgres://portal@127.0.0.1:5432/portal",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "DJANGO_ALLOWED_HOSTS": "privacy.example.com",
    "SITE_URL": "https://privacy.example.com",
}


def run_python(*args: str, env: dict) -> subprocess.CompletedProcess:
    """Run Python in the project folder with ``env`` and none of this process's settings variables."""
    clean = {
        k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and not k.startswith(("DJANGO_", "CELERY_"))
    }
    clean.pop("DATABASE_URL", None)
    clean.pop("CACHE_URL", None)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return run_python("manage.py", *args, env=env)


@pytest.mark.worker  # another process: a moved clock cannot reach it
def test_it_passes_the_deployment_checks_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.worker  # another process: a moved clock cannot reach it
@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "PSEUDONYM_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOWED_HOSTS"]
)
def test_it_refuses_to_start_production_without_a_required_variable(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr
    assert "Production settings need these environment variables" in result.stderr


@pytest.mark.worker  # another process: a moved clock cannot reach it
def test_it_switches_on_https_protections_in_production():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000,"
        " s.DEBUG, s.LOCAL_MAILBOX_ENABLED, s.EMAIL_BACKEND)"
    )
    result = run_manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "False",
        "False",
        "django.core.mail.backends.smtp.EmailBackend",
    ]


@pytest.mark.worker  # another process: a moved clock cannot reach it
def test_it_does_not_mount_the_local_mailbox_in_production():
    code = (
        "from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/dev/mail/')\n    print('mounted')\n"
        "except Resolver404:\n    print('absent')"
    )
    result = run_manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)
    assert result.stdout.strip() == "absent", result.stderr


@pytest.mark.worker  # another process: a moved clock cannot reach it
@pytest.mark.parametrize("entry_point", ["config.wsgi", "config.asgi", "config.celery"])
def test_the_served_entry_points_default_to_production_settings(entry_point):
    # Issue 13: a server or worker started without DJANGO_SETTINGS_MODULE must not run DEBUG
    # with the published local key.
    code = f"import {entry_point}; from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = run_python("-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["config.settings.production", "False"]


@pytest.mark.worker  # another process: a moved clock cannot reach it
@pytest.mark.parametrize("entry_point", ["config.wsgi", "config.asgi", "config.celery"])
def test_the_served_entry_points_refuse_to_start_unconfigured(entry_point):
    result = run_python("-c", f"import {entry_point}; from django.conf import settings; settings.DEBUG", env={})
    assert result.returncode != 0
    assert "Production settings need these environment variables" in result.stderr


@pytest.mark.worker  # another process: a moved clock cannot reach it
def test_migrate_alone_prepares_a_database_with_its_cache_table(tmp_path):
    # What a deployer runs: migrate, then the portal. The database cache (allauth's rate
    # limits) needs its table from migrate, not from a step only the Makefile knows.
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "CACHE_URL": "dbcache://django_cache",
    }
    migrated = run_manage("migrate", "--no-input", "-v", "0", env=env)
    assert migrated.returncode == 0, migrated.stderr
    code = "from django.core.cache import cache; cache.set('probe', 42); print(cache.get('probe'))"
    result = run_manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "42"


# --- Weak keys and the proxy count (issue 13, finding 7) ----------------------------------------

LOCAL_KEY = "insecure-local-only-key-change-me-0123456789abcdefghijklmnop"


@pytest.mark.worker  # another process: a moved clock cannot reach it
@pytest.mark.parametrize(
    ("variable", "value", "error"),
    [
        ("DJANGO_SECRET_KEY", "changeme", "core.E001"),
        ("DJANGO_SECRET_KEY", LOCAL_KEY, "core.E001"),
        ("DJANGO_SECRET_KEY", "django-insecure-" + "k3j5h6g7f8d9s0a1q2w3e4r5t6y7u8i9o0p1l2k3j4h5g6", "core.E001"),
        ("DJANGO_SECRET_KEY", "Zx8-short-but-random", "core.E001"),
        ("DJANGO_SECRET_KEY", "ab" * 40, "core.E001"),
        ("PSEUDONYM_KEY", "changeme", "core.E002"),
        ("PSEUDONYM_KEY", PRODUCTION_ENV["DJANGO_SECRET_KEY"], "core.E003"),
    ],
    ids=["changeme", "published-local-key", "django-insecure", "short", "few-characters", "weak-pseudonym", "shared"],
)
def test_production_refuses_a_weak_known_or_shared_key(variable, value, error):
    env = {**PRODUCTION_ENV, variable: value}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert error in result.stderr
    # A server started with it refuses to serve (gunicorn runs no system checks).
    served = run_python("-c", "import config.wsgi", env=env)
    assert served.returncode != 0
    assert error in served.stderr


@pytest.mark.worker  # another process: a moved clock cannot reach it
def test_the_deployment_checks_refuse_the_published_local_key_in_any_settings():
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_DEBUG": "false"}
    result = run_manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "core.E001" in result.stderr
    assert "core.E003" not in result.stderr  # the pseudonym key is the same weak key: said once, as weak
    assert "core.E002" in result.stderr


@pytest.mark.worker  # another process: a moved clock cannot reach it
def test_the_deployment_checks_refuse_a_proxy_header_without_a_proxy_count():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_TRUSTED_PROXY_COUNT"}
    assert run_manage("check", env=env).returncode == 0  # the plain check lets a developer run commands
    result = run_manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "core.E005" in result.stderr
    assert "DJANGO_TRUSTED_PROXY_COUNT" in result.stderr


@pytest.mark.worker  # another process: a moved clock cannot reach it
def test_a_worker_refuses_to_start_with_a_weak_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = "from config.celery import app; from celery.signals import worker_init; worker_init.send(sender=None)"
    assert run_python("-c", code, env=env).returncode == 0
    # The real command: it stops before it reaches the broker.
    result = run_python(
        "-m", "celery", "-A", "config", "worker", "--pool=solo", env={**env, "DJANGO_SECRET_KEY": "changeme"}
    )
    assert result.returncode != 0
    assert "core.E001" in result.stdout + result.stderr


def test_a_redis_cache_fails_open_with_short_timeouts_and_other_caches_are_left_alone():
    """Finding 4: production's cache defaults to the broker's Redis; a stopped broker must not
    turn every page into an error (apps/core/cache.py; tests/faults/test_broker_down.py)."""
    from environ import Env

    from config.settings.base import BROKER_SOCKET_TIMEOUTS, fail_open_cache

    redis = fail_open_cache(Env.cache_url_config("redis://127.0.0.1:6379/1"))
    assert redis["BACKEND"] == "apps.core.cache.FailOpenRedisCache"
    assert redis["OPTIONS"] == BROKER_SOCKET_TIMEOUTS
    local = Env.cache_url_config("locmemcache://x")
    assert fail_open_cache(local) == local


@pytest.mark.worker  # another process: a moved clock cannot reach it
@pytest.mark.parametrize(
    ("site_url", "why"),
    [
        (None, "it is not set"),
        ("http://privacy.example.com", "it is not https://"),
        ("http://127.0.0.1:8000", "it is not https://"),
        ("https://localhost:8443", "it points at this machine"),
        ("https://privacy.example.com/portal?x=1", "an origin only"),
        ("privacy.example.com", "it is not https://"),
    ],
)
def test_production_settings_require_an_https_site_url(site_url, why):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SITE_URL"}
    if site_url is not None:
        env["SITE_URL"] = site_url
    for args in (("check",), ("check", "--deploy")):
        result = run_manage(*args, env=env)
        assert result.returncode != 0
        assert "core.E006" in result.stderr
        assert why in result.stderr


def test_the_site_url_rule_itself():
    from apps.core.checks import site_url_weakness

    assert site_url_weakness("https://privacy.example.com") is None
    assert site_url_weakness("https://privacy.example.com/") is None
    assert site_url_weakness("https://privacy.example.com:8443") is None
    assert site_url_weakness("https://user@privacy.example.com") is not None
    assert site_url_weakness("https://privacy.example.com:99999") == "it is not a URL"
    assert site_url_weakness("") == "it is not set"


@pytest.mark.worker  # another process: a moved clock cannot reach it
@pytest.mark.parametrize("entry_point", ["config.wsgi", "config.asgi"])
def test_the_served_entry_points_refuse_to_start_without_an_https_site_url(entry_point):
    # gunicorn and uvicorn run no system checks: the entry point itself must refuse (review finding 3).
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SITE_URL"}
    assert run_python("-c", f"import {entry_point}", env=PRODUCTION_ENV).returncode == 0
    for site_url in (None, "http://127.0.0.1:8000"):
        result = run_python(
            "-c", f"import {entry_point}", env=env if site_url is None else {**env, "SITE_URL": site_url}
        )
        assert result.returncode != 0
        assert "Refusing to start" in result.stderr
        assert "core.E006" in result.stderr


@pytest.mark.worker  # another process: a moved clock cannot reach it
def test_a_worker_refuses_to_start_without_an_https_site_url():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k not in ("DJANGO_SETTINGS_MODULE", "SITE_URL")}
    result = run_python("-m", "celery", "-A", "config", "worker", "--pool=solo", env=env)
    assert result.returncode != 0
    assert "core.E006" in result.stdout + result.stderr
