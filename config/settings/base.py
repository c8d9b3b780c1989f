"""Settings shared by every way the portal runs.

Everything that differs between the embedded default, tests and production is read
from the environment through the single ``env`` below (django-environ); the
per-environment modules only change defaults and switch behaviour.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from config.settings.content_security import content_security_policy
from config.settings.logging import LOGGING  # noqa: F401
from config.settings.service_data import CONTENT_UPLOAD_MAX_BYTES, GOOGLE_CALENDAR_API_URL  # noqa: F401
from config.settings.webhooks import *  # noqa: F403

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A developer may keep overrides in .env; production sets real environment variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -----------------------------------------------------------------
# Published in this repository for the embedded default and the tests: apps.core.checks refuses
# it (and anything containing it) wherever STRONG_KEYS_REQUIRED is on, and in `check --deploy`.
LOCAL_ONLY_SECRET_KEY = "insecure-local-only-key-change-me-0123456789abcdefghijklmnop"
SECRET_KEY = env("DJANGO_SECRET_KEY", default=LOCAL_ONLY_SECRET_KEY)
# Production turns this on: weak, published or shared keys are then system check errors (apps.core.checks).
STRONG_KEYS_REQUIRED = False
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Production sets it: there SITE_URL must be an absolute https:// origin (apps/core/checks.py).
SITE_URL_REQUIRED = False

INSTALLED_APPS = [
    "apps.core.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.facebook",
    "allauth.mfa",
    "allauth.usersessions",
    "simple_history",
    "django_countries",
    "csp",
    "apps.core",
    "apps.accounts",
    "apps.personal_data",
    "apps.disclosures",
    "apps.consent",
    "apps.retention",
    "apps.subject_requests",
    "apps.breaches",
    "apps.systems",
    "ninja",  # its Swagger UI files, served from our own static
    "apps.api",
]
# The reference service app (content, calendar, activity, calls, support, billing: the data
# the policies name; docs/adding-an-app.md). On in the demo and the tests; an install whose
# own apps hold that data leaves it out with PORTAL_SERVICE_DATA=off.
SERVICE_DATA_ENABLED = env.bool("PORTAL_SERVICE_DATA", default=True)
if SERVICE_DATA_ENABLED:
    INSTALLED_APPS.append("apps.service_data")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "apps.api.middleware.ApiMiddleware",  # every /api/ answer (inside CSP: its problems carry the policy)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.accounts.middleware.StaffSessionMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "apps.accounts.middleware.UserLanguageMiddleware",
    "apps.accounts.middleware.UserTimeZoneMiddleware",
    "apps.accounts.middleware.LastSeenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.consent.middleware.CookieConsentMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.accounts.context_processors.organisation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# One SQLite file shared by web, worker and beat by default. WAL lets readers run beside the one writer; IMMEDIATE
# transactions take the write lock up front, so writers queue (up to `timeout`) rather than fail "database is locked".
SQLITE_PATH = VAR_DIR / "db.sqlite3"
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=0))
# The API's hottest statements are prepared on PostgreSQL (apps/core/db.py); off behind a pooler that cannot.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------
# A real shared cache: allauth's rate limits and the health check rely on it.
# The embedded default uses a database table (created by `make setup`); production Redis.
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://django_cache")}

# --- Auth -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:overview"
LOGOUT_REDIRECT_URL = "home"

# --- Client address behind reverse proxies (issue 13) ----------------------------
# How many reverse proxies of ours sit in front of the portal, each appending to X-Forwarded-For.
# Every rate limit and the login history key on the address they vouch for (apps.core.http.client_ip).
# Unset reads as 0 (REMOTE_ADDR, X-Forwarded-For ignored); `check --deploy` refuses it unset
# behind SECURE_PROXY_SSL_HEADER, where 0 would put every client on the proxy's one address.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=None)
# allauth reads the address through AccountAdapter.get_client_ip (the function above); its own
# setting is kept equal for anything of allauth's that reads X-Forwarded-For itself.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT or 0

# --- The API for other systems (issue 19) -------------------------------------------
# Calls to /api/ without a live key, per client address and minute (apps.api.middleware): past
# it they are answered 429 without a look at the database. Keyed clients have their own rate.
API_KEYLESS_CALLS_PER_MINUTE = env.int("API_KEYLESS_CALLS_PER_MINUTE", default=60)
# The suppression and restriction feeds serve a row only this long after it was written: a row
# whose transaction commits after a later one was read would otherwise fall behind a cursor
# (apps.api.selectors, "Feeds"). Longer than any transaction that writes those rows, twice over.
API_FEED_SAFETY_LAG_SECONDS = env.int("API_FEED_SAFETY_LAG_SECONDS", default=120)

# --- allauth ----------------------------------------------------------------
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_USER_MODEL_EMAIL_FIELD = "email"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "apps.accounts.forms.SignupForm"
ACCOUNT_FORMS = {"login": "apps.accounts.adapters.LoginForm"}  # the portal's wording on the sign-in page
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Privacy Portal] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="https")
ACCOUNT_ADAPTER = "apps.accounts.adapters.AccountAdapter"
# allauth's defaults already limit login failures, sign-ups and emails; they are kept
# in the shared cache above so every web process sees the same counters.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
}
SOCIALACCOUNT_ADAPTER = "apps.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_LOGIN_ON_GET = False

# P-09: provider tokens are only kept when a feature needs them (calendar access).
GOOGLE_CALENDAR_ACCESS = env.bool("GOOGLE_CALENDAR_ACCESS", default=False)
SOCIALACCOUNT_STORE_TOKENS = GOOGLE_CALENDAR_ACCESS
_google_scope = ["profile", "email"]
if GOOGLE_CALENDAR_ACCESS:
    _google_scope.append("https://www.googleapis.com/auth/calendar.readonly")
SOCIALACCOUNT_PROVIDERS: dict = {}
# Also verifies Facebook's data-deletion callback (apps.subject_requests.domain, parse_signed_request); empty: refused.
FACEBOOK_APP_SECRET = env("FACEBOOK_APP_SECRET", default="")
# Providers are configured only from the environment; with no credentials the
# provider has no app and allauth hides its button.
if env("GOOGLE_CLIENT_ID", default=""):
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [{"client_id": env("GOOGLE_CLIENT_ID"), "secret": env("GOOGLE_CLIENT_SECRET"), "key": ""}],
        "SCOPE": _google_scope,
        "AUTH_PARAMS": {"access_type": "offline" if GOOGLE_CALENDAR_ACCESS else "online"},
        "OAUTH_PKCE_ENABLED": True,
        "FETCH_USERINFO": True,
    }
if env("FACEBOOK_APP_ID", default=""):
    SOCIALACCOUNT_PROVIDERS["facebook"] = {
        "APPS": [{"client_id": env("FACEBOOK_APP_ID"), "secret": env("FACEBOOK_APP_SECRET"), "key": ""}],
        "METHOD": "oauth2",
        "SCOPE": ["email", "public_profile"],
        "FIELDS": ["id", "email", "name", "first_name", "last_name", "picture"],
        "VERSION": "v19.0",
    }

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Privacy Portal"
USERSESSIONS_TRACK_ACTIVITY = True

# --- Content-Security-Policy, staff sessions, re-authentication (issue 13, finding 11) ---
# The policy itself, and why each directive: config/settings/content_security.py.
CONTENT_SECURITY_POLICY = content_security_policy(SOCIALACCOUNT_PROVIDERS)

# Staff sessions (apps.accounts.middleware.StaffSessionMiddleware) reach every customer's data: they end after a
# working day however active (8 h, so each day starts with the password and the second factor), and after 30 minutes
# without a request (long enough to read a case between pages, short enough that a desk left unlocked over lunch is
# signed out). Customers keep SESSION_COOKIE_AGE (two weeks).
STAFF_SESSION_MAX_AGE = env.int("STAFF_SESSION_MAX_AGE", default=8 * 60 * 60)
STAFF_SESSION_IDLE_TIMEOUT = env.int("STAFF_SESSION_IDLE_TIMEOUT", default=30 * 60)

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("vi", _("Vietnamese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The organisation's time zone: its working day (policy dates, hold reviews, daily reminders,
# report months; apps/core/clock.py). Request deadlines use each jurisdiction's own zone.
TIME_ZONE = env("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# One date format per language (config/formats/<language>/formats.py): no hard-coded patterns.
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static and uploaded files ----------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
# Uploaded files (profile pictures, later exports and attachments) hold personal data: they live in private storage
# outside any public path and are served only through access-checked views. There is deliberately no MEDIA_URL route.
PRIVATE_STORAGE_ROOT = Path(env("PRIVATE_STORAGE_ROOT", default=str(VAR_DIR / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": "/private-not-served/"},
    },
    # Customers' files (apps/service_data): private like the rest, served only by checked views.
    "content": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": "/private-not-served/"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PROFILE_PICTURE_MAX_BYTES = 2 * 1024 * 1024
PROFILE_PICTURE_MAX_PIXELS = 4096 * 4096
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email ------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Privacy Portal <privacy@portal.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = "apps.core.mail.MailboxBackend"
LOCAL_MAILBOX_DIR = VAR_DIR / "mail"
# The local mailbox page exists only where this is on (never in production).
LOCAL_MAILBOX_ENABLED = False

# --- Celery -----------------------------------------------------------------
# Read by config/celery.py (namespace CELERY). Delivery is at-least-once: tasks are
# acknowledged after they finish and requeued if the worker dies mid-task.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_DATA_DIR = VAR_DIR / "broker"
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=f"file://{VAR_DIR / 'celery-results'}")
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=15 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=16 * 60)
CELERY_TASK_TRACK_STARTED = True
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False


def celery_transport_options(broker_url: str, data_dir: Path, hard_time_limit: int) -> dict:
    if broker_url.startswith("filesystem://"):
        return {
            "data_folder_in": str(data_dir / "queue"),
            "data_folder_out": str(data_dir / "queue"),
            "processed_folder": str(data_dir / "processed"),
            "store_processed": False,
            # Broadcast exchanges (pings, remote control); kombu's default is ./control.
            "control_folder": str(data_dir / "control"),
        }
    return {
        # Redis redelivers an unacknowledged task after visibility_timeout; it must be
        # longer than the hard time limit or a long task would run twice at once.
        "visibility_timeout": hard_time_limit * 2 + 60,
        **BROKER_SOCKET_TIMEOUTS,
    }


# --- Celery: failing fast when the broker is away (issue 13, findings 4 and 12) ------------
# A web process hands work to the worker after its commit (apps/core/jobs/: the job row is
# the outbox, the reconciler sends what could not be sent). Sending must fail in about a
# second, never hang the customer's page: a stopped Redis refuses at once, but an
# unreachable host (a dropped route, a firewall) would wait for the operating system's TCP
# timeout, minutes, without a connect timeout. The read timeout bounds a Redis that accepts
# the connection and then stalls; it stays above kombu's one-second BRPOP poll.
BROKER_SOCKET_TIMEOUTS = {
    "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0),
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=5.0),
}
# The same for a Redis result backend (only the health check's ping reads results; jobs
# ignore theirs), and a bounded reconnect: Celery's default retries for about 20 seconds.
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = BROKER_SOCKET_TIMEOUTS["socket_connect_timeout"]
CELERY_REDIS_SOCKET_TIMEOUT = BROKER_SOCKET_TIMEOUTS["socket_timeout"]
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
}


def fail_open_cache(cache: dict) -> dict:
    """A Redis cache (production's default is the broker's Redis) that answers as an empty
    cache while Redis is out of reach (apps/core/cache.py), with the same short timeouts:
    without it, a stopped broker was an error on every page."""
    if cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        cache = {**cache, "BACKEND": "apps.core.cache.FailOpenRedisCache"}
        cache["OPTIONS"] = {**BROKER_SOCKET_TIMEOUTS, **cache.get("OPTIONS", {})}
    return cache


CACHES["default"] = fail_open_cache(CACHES["default"])
# A running job's lease (apps/core/jobs/kinds.py): renewed by its worker's heartbeat every
# quarter lease, taken over by the next reconciler (every minute) once it runs out, so a
# worker killed outright has its job sent again within about two minutes.
JOBS_LEASE_SECONDS = env.int("JOBS_LEASE_SECONDS", default=60)
CELERY_BROKER_TRANSPORT_OPTIONS = celery_transport_options(
    CELERY_BROKER_URL, CELERY_BROKER_DATA_DIR, CELERY_TASK_TIME_LIMIT
)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Privacy ---------------------------------------------------------------------
# The data controller's country: recipients elsewhere are international transfers (P-23).
CONTROLLER_COUNTRY = env("CONTROLLER_COUNTRY", default="GB")
# Used for keyed hashes (pseudonymous subject references, suppression lists); rotating
# it breaks the link between old ledger rows and new ones, so it is separate from SECRET_KEY.
# The secret key stands in only for the embedded default and the tests: production requires its own.
PSEUDONYM_KEY = env("PSEUDONYM_KEY", default=SECRET_KEY)
LAST_SEEN_RESOLUTION = timedelta(days=1)

HEALTHZ_WORKER_TIMEOUT = env.float("HEALTHZ_WORKER_TIMEOUT", default=3.0)
# Rows per erasure batch (one short transaction each, checkpointed); tests set 1 to make
# an erasure slow enough to kill a worker in the middle of it.
PERSONAL_DATA_ERASURE_BATCH_SIZE = env.int("PERSONAL_DATA_ERASURE_BATCH_SIZE", default=2000)
# After a table's first batch, each is sized from the rate of the one before to take half of
# PERSONAL_DATA_ERASURE_BATCH_SECONDS, up to this many rows: a customer's 100 000 call records
# take three transactions, not fifty, each still short. 0 (or a size below the batch size)
# keeps every batch at the size.
PERSONAL_DATA_ERASURE_BATCH_MAX = env.int("PERSONAL_DATA_ERASURE_BATCH_MAX", default=50_000)
PERSONAL_DATA_ERASURE_BATCH_SECONDS = env.float("PERSONAL_DATA_ERASURE_BATCH_SECONDS", default=0.1)
# Rows per purge batch (one short transaction each; bench/purge.py measures the longest).
RETENTION_PURGE_BATCH_SIZE = env.int("RETENTION_PURGE_BATCH_SIZE", default=2000)
# The rule a request falls under when the person's country does not decide it (eu, uk, us-ca, vn).
SUBJECT_REQUESTS_DEFAULT_JURISDICTION = env("SUBJECT_REQUESTS_DEFAULT_JURISDICTION", default="uk")

# --- History ----------------------------------------------------------------
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_ENFORCE_HISTORY_MODEL_PERMISSIONS = True

# --- Security defaults shared by all ------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

# --- Logging (issue 13): config/settings/logging.py, read by the import at the top ---
