"""Personas and shared fixtures.

Personas: customer, other_customer, officer (Privacy officer), support_agent,
auditor, anonymous. ``client_as(name)`` returns a test client signed in as that persona,
through allauth's own sign-in pages (tests/helpers/auth.py): staff personas have an
authenticator app and pass the second factor, as the admin demands.
"""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.domain import AUDITOR, PRIVACY_OFFICER, SUPPORT_AGENT
from tests.factories import UserFactory
from tests.helpers import IN_CI, make_staff, sign_in, start_worker, stop_worker

pytest_plugins = ("tests.plugins.clock",)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters and cached organisation details must not leak between tests.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    # A page request leaves its language active in the thread (LocaleMiddleware and the account's
    # language middleware activate one; nothing deactivates it): after a test that read pages in
    # Vietnamese, the next test's lazy texts came out in Vietnamese (a request's timeline in
    # test_intake_command, depending on the order the tests ran in).
    from django.utils import translation

    yield
    translation.deactivate()


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
    # The same functions the data migrations call (each app's services/install.py).
    from django.apps import apps as django_apps

    from apps.consent.models import Purpose
    from apps.consent.services.install import install_data_seed as consent_seed
    from apps.retention.models import RetentionRule
    from apps.retention.services.install import install_data_seed as retention_seed
    from apps.subject_requests.models import Jurisdiction
    from apps.subject_requests.services.install import install_data_seed as requests_seed

    if not Purpose.objects.exists():
        consent_seed()
    if not RetentionRule.objects.exists():
        retention_seed()
    if not Jurisdiction.objects.exists():
        requests_seed()
    from apps.breaches.models import ClockRule
    from apps.breaches.services.install import install_data_seed as breaches_seed

    if not ClockRule.objects.exists():
        breaches_seed()
    # The service app's rules, when it is installed (PORTAL_SERVICE_DATA=off leaves it out).
    if django_apps.is_installed("apps.service_data"):
        from apps.service_data.services.install import CODES
        from apps.service_data.services.install import install_data_seed as service_seed

        if not RetentionRule.objects.filter(code__in=CODES).exists():
            service_seed()


@pytest.fixture
def customer(db):
    return UserFactory(email="customer@example.test", full_name="Casey Customer")


@pytest.fixture
def other_customer(db):
    return UserFactory(email="other@example.test", full_name="Olu Other")


@pytest.fixture
def officer(db):
    return make_staff("officer@example.test", PRIVACY_OFFICER)


@pytest.fixture
def second_officer(db):
    """A colleague, for the steps that need four eyes."""
    return make_staff("second-officer@example.test", PRIVACY_OFFICER)


@pytest.fixture
def support_agent(db):
    return make_staff("support@example.test", SUPPORT_AGENT)


@pytest.fixture
def auditor(db):
    return make_staff("auditor@example.test", AUDITOR)


@pytest.fixture
def anonymous():
    return None


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


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real `celery worker` in its own process on the test database and broker
    (tests/helpers/worker.py). Tests that use it commit their data (transactional_db) so the
    worker can read it."""
    process = start_worker()
    try:
        yield process
    finally:
        stop_worker(process)


# --- PostgreSQL-only tests ------------------------------------------------------------


def pytest_collection_modifyitems(config, items):
    """Tests marked postgresql need what SQLite cannot do (two writers committing out of order):
    on SQLite they are deselected, and say so, rather than skipped, which CI counts as a failure.
    The PostgreSQL lane runs them."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    deselected = [item for item in items if item.get_closest_marker("postgresql")]
    if deselected:
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]
        config.hook.pytest_deselected(items=deselected)


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
