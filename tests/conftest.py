"""Personas and shared fixtures.

Personas: customer, other_customer, officer (Privacy officer), support_agent,
auditor, anonymous. ``client_as(name)`` returns a test client signed in as that persona;
staff personas have an authenticator and a session that passed MFA, as the admin demands.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret
from allauth.mfa.utils import encrypt
from django.contrib.auth.models import Group
from django.test import Client

from apps.accounts.domain import AUDITOR, PRIVACY_OFFICER, SUPPORT_AGENT
from apps.accounts.services import staff_roles_sync as sync_staff_roles
from tests.factories import UserFactory

pytest_plugins = ("tests.plugins.clock",)

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters and cached organisation details must not leak between tests.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _uses_database(request) -> str | None:
    """The database fixture a test gets ("db" or "transactional_db"), or None."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if (marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))) or (
        {"transactional_db", "live_server"} & names
    ):
        return "transactional_db"
    return "db" if marker is not None or "db" in names else None


@pytest.fixture(autouse=True)
def _seed_data_after_flushes(request):
    """Put back what data migrations seed (purposes, the first policy version) when it is gone.

    Transactional tests end by flushing every table, so any test after one would otherwise run
    without the rows a fresh install always has.
    """
    # Imported here, not at the top: pytest must load the plugin first (assertion rewriting).
    from tests.plugins.clock import installed_before_the_tests

    database = _uses_database(request)
    if database is not None:
        request.getfixturevalue(database)
        with installed_before_the_tests(request.config):
            _seed_if_flushed()


def _seed_if_flushed() -> None:
    import importlib

    from django.apps import apps

    from apps.consent.models import Purpose
    from apps.retention.models import RetentionRule
    from apps.subject_requests.models import Jurisdiction

    if not Purpose.objects.exists():
        importlib.import_module("apps.consent.migrations.0002_seed_purposes_and_policy").seed(apps, None)
    if not RetentionRule.objects.exists():
        importlib.import_module("apps.retention.migrations.0002_seed_rules").seed(apps, None)
        importlib.import_module("apps.retention.migrations.0004_seed_unconfirmed_requests").seed(apps, None)
    if not Jurisdiction.objects.exists():
        importlib.import_module("apps.subject_requests.migrations.0002_seed_jurisdictions").seed(apps, None)


@pytest.fixture
def customer(db):
    return UserFactory(email="customer@example.test", full_name="Casey Customer")


@pytest.fixture
def other_customer(db):
    return UserFactory(email="other@example.test", full_name="Olu Other")


def _staff(email: str, role: str):
    sync_staff_roles()
    user = UserFactory(email=email, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    secret = generate_totp_secret()
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)})
    user.totp_secret = secret
    return user


@pytest.fixture
def officer(db):
    return _staff("officer@example.test", PRIVACY_OFFICER)


@pytest.fixture
def support_agent(db):
    return _staff("support@example.test", SUPPORT_AGENT)


@pytest.fixture
def auditor(db):
    return _staff("auditor@example.test", AUDITOR)


@pytest.fixture
def anonymous():
    return None


def sign_in(client: Client, user, *, mfa: bool = True) -> Client:
    """Sign in as allauth would leave the session: password, then MFA for staff."""
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    session = client.session
    now = time.time()
    records = [{"method": "password", "at": now, "email": user.email}]
    if mfa and user.is_staff:
        records.append({"method": "mfa", "at": now, "type": "totp"})
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
    return client


@pytest.fixture
def client_as(request, db):
    """client_as("customer") → a Client signed in as that persona ("anonymous" → signed out)."""

    def make(persona: str) -> Client:
        client = Client()
        user = request.getfixturevalue(persona)
        if user is not None:
            sign_in(client, user)
        return client

    return make


# --- A real Celery worker ---------------------------------------------------------


def _database_url_for_worker() -> str:
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{s['NAME']}"
    if "postgresql" in s["ENGINE"]:
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    raise RuntimeError(f"No worker URL for {s['ENGINE']}")


@pytest.fixture
def celery_worker_process(transactional_db):
    """Start `celery worker` as a separate process on the test database and broker.

    Tests that use it commit their data (transactional_db) so the worker can read it.
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url_for_worker(),
    }
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    log = Path(os.environ["PORTAL_TEST_VAR_DIR"]) / f"worker-{time.time_ns()}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                celery,
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--pool=prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_worker(process, log)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_for_worker(process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    from apps.core.health import check_worker

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Celery worker exited early:\n{log.read_text()[-4000:]}")
        if check_worker()["ok"]:
            return
    raise RuntimeError(f"Celery worker did not answer within {timeout}s:\n{log.read_text()[-4000:]}")


def pytest_collection_modifyitems(config, items):
    # `make test-fast` leaves out what needs a real worker process: mark it wherever it is used.
    for item in items:
        if {"celery_worker_process", "mailbox_worker"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.worker)


# --- Under CI nothing may skip -------------------------------------------------------


def pytest_sessionfinish(session, exitstatus):
    """CI must not pass by skipping: a skipped test there is a missing service or browser."""
    if not IN_CI:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI=true: {len(skipped)} test(s) skipped; failing the run.", red=True)
        for report in skipped:
            reporter.write_line(f"  skipped: {report.nodeid} ({report.longrepr[-1] if report.longrepr else ''})")
        session.exitstatus = 1


def pytest_report_header(config):
    from django.conf import settings

    return (
        f"portal: database={settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} "
        f"broker={settings.CELERY_BROKER_URL.split('://')[0]} "
        f"cache={settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
    )
