"""Production settings: refuse to start half-configured, and pass Django's deploy checks (P-50)."""

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x9Kq2Lm8Zp4Rt7Vw1Ny6Bc3Hd5Jf0Gs",
    "DATABASE_URL": "postgres://portal@127.0.0.1:5432/portal",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "DJANGO_ALLOWED_HOSTS": "privacy.example.com",
}


def run_manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and not k.startswith(("DJANGO_", "CELERY_"))
    }
    clean.pop("DATABASE_URL", None)
    clean.pop("CACHE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_the_deployment_checks_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOWED_HOSTS"])
def test_it_refuses_to_start_production_without_a_required_variable(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr
    assert "Production settings need these environment variables" in result.stderr


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


def test_it_does_not_mount_the_local_mailbox_in_production():
    code = (
        "from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/dev/mail/')\n    print('mounted')\n"
        "except Resolver404:\n    print('absent')"
    )
    result = run_manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)
    assert result.stdout.strip() == "absent", result.stderr


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
