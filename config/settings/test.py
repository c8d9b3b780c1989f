"""Settings for pytest: the embedded default unless DATABASE_URL / CELERY_BROKER_URL
point at PostgreSQL and Redis (as the second CI pass does)."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import (
    CELERY_BROKER_URL,
    CELERY_TASK_TIME_LIMIT,
    INSTALLED_APPS,
    celery_transport_options,
    env,
    fail_open_cache,
)

DEBUG = False
# Each test session gets its own scratch directory for the broker, results, mail and uploads.
TEST_VAR_DIR = Path(os.environ.setdefault("PORTAL_TEST_VAR_DIR", tempfile.mkdtemp(prefix="portal-test-")))
PRIVATE_STORAGE_ROOT = TEST_VAR_DIR / "private"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": "/private-not-served/"},
    },
    "content": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": "/private-not-served/"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_BROKER_DATA_DIR = TEST_VAR_DIR / "broker"
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=f"file://{TEST_VAR_DIR / 'celery-results'}")
CELERY_BROKER_TRANSPORT_OPTIONS = celery_transport_options(
    CELERY_BROKER_URL, CELERY_BROKER_DATA_DIR, CELERY_TASK_TIME_LIMIT
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu looks in the queue folder once a second by default: a test waiting on a worker
    # would wait up to a second per message. Redis (the other CI lane) pushes at once.
    CELERY_BROKER_TRANSPORT_OPTIONS["polling_interval"] = 0.1
CELERY_BEAT_SCHEDULE_FILENAME = str(TEST_VAR_DIR / "celerybeat-schedule")
LOCAL_MAILBOX_DIR = TEST_VAR_DIR / "mail"
LOCAL_MAILBOX_ENABLED = True
# A test that needs a worker's mail starts it with EMAIL_BACKEND=apps.core.mail.MailboxBackend
# (the worker's locmem outbox would be out of the test's reach); the test process keeps locmem.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests sign staff in through allauth's pages with the authenticator's code; a code is
# accepted once, so a test signing the same person in twice uses the next window's code.
MFA_TOTP_TOLERANCE = 1
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
# The dummy provider lets the suite run a whole social sign-up without a network.
INSTALLED_APPS = [*INSTALLED_APPS, "allauth.socialaccount.providers.dummy"]
SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "APPS": [{"client_id": "test-google-client", "secret": "test-google-secret", "key": ""}],
        "SCOPE": ["profile", "email"],
        "AUTH_PARAMS": {"access_type": "online"},
        "OAUTH_PKCE_ENABLED": True,
        "FETCH_USERINFO": True,
    },
}
# The policy lets sign-in forms go on to the providers configured just above.
CONTENT_SECURITY_POLICY = content_security_policy(SOCIALACCOUNT_PROVIDERS)  # noqa: F405

# A file, not :memory:, so a real Celery worker in another process sees the same test database.
from .base import DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(TEST_VAR_DIR / "test.sqlite3")}
CACHES = {"default": fail_open_cache(env.cache("CACHE_URL", default="locmemcache://portal-tests"))}
HEALTHZ_WORKER_TIMEOUT = env.float("HEALTHZ_WORKER_TIMEOUT", default=2.0)
# Erasure batches stay at PERSONAL_DATA_ERASURE_BATCH_SIZE, so tests that set it count (and
# kill workers between) exact batches; tests of the growing batches turn it on.
PERSONAL_DATA_ERASURE_BATCH_MAX = env.int("PERSONAL_DATA_ERASURE_BATCH_MAX", default=0)

# The tests' webhook receivers listen on localhost (pytest-httpserver); retries come at once.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=True)
WEBHOOKS_RETRY_BASE_SECONDS = env.float("WEBHOOKS_RETRY_BASE_SECONDS", default=0.0)
