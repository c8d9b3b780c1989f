"""Production: PostgreSQL, Redis, SMTP, HTTPS only. Configured only through the environment.

It refuses to start without the settings that have no safe default, and it must pass
`manage.py check --deploy --fail-level WARNING` (tests/core/test_settings.py proves it).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CELERY_BROKER_DATA_DIR, CELERY_TASK_TIME_LIMIT, celery_transport_options, env, fail_open_cache

_REQUIRED = ("DJANGO_SECRET_KEY", "PSEUDONYM_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOWED_HOSTS")
_missing = [name for name in _REQUIRED if not env(name, default="")]
if _missing:
    raise ImproperlyConfigured(f"Production settings need these environment variables: {', '.join(_missing)}")

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
# Old secret keys still accepted for signatures (links in flight) after a rotation; never signs anew.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
# Its own key, never the secret key (base.py's fallback); both must be strong (apps.core.checks).
PSEUDONYM_KEY = env("PSEUDONYM_KEY")
STRONG_KEYS_REQUIRED = True
# Webhook targets are https and public here whatever the environment says (apps/core/webhooks/targets.py).
WEBHOOKS_REQUIRE_HTTPS = True
WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
WEBHOOK_SECRET_KEY = env("WEBHOOK_SECRET_KEY", default=PSEUDONYM_KEY)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# Every link we send is built from it (emails, List-Unsubscribe, callbacks, allauth's links):
# an absolute https:// origin, or the system check fails (apps/core/checks.py, core.E006).
SITE_URL = env("SITE_URL", default="")
SITE_URL_REQUIRED = True
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
CACHES = {"default": fail_open_cache(env.cache("CACHE_URL", default=env("CELERY_BROKER_URL")))}
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=env("CELERY_BROKER_URL"))
CELERY_BROKER_TRANSPORT_OPTIONS = celery_transport_options(
    CELERY_BROKER_URL, CELERY_BROKER_DATA_DIR, CELERY_TASK_TIME_LIMIT
)

# --- HTTPS (P-50) -------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[f"https://{h}" for h in ALLOWED_HOSTS])
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env("PRIVATE_STORAGE_ROOT", default="/var/lib/privacy-portal/private")},
    },
    "content": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env("PRIVATE_STORAGE_ROOT", default="/var/lib/privacy-portal/private")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Customers' files (apps/service_data) -------------------------------------
# On S3-compatible object storage when a bucket is named (AWS S3, MinIO, Ceph…), private
# objects and no links into the bucket (apps/core/storage.py); the filesystem otherwise.
if env("CONTENT_STORAGE_BUCKET", default=""):
    STORAGES["content"] = {
        "BACKEND": "apps.core.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": env("CONTENT_STORAGE_BUCKET"),
            # Empty means AWS itself; set it for MinIO and other S3-compatible services.
            "endpoint_url": env("CONTENT_STORAGE_ENDPOINT_URL", default="") or None,
            "region_name": env("CONTENT_STORAGE_REGION", default="") or None,
            # Empty keys fall back to boto3's own chain (instance role, AWS_* variables).
            "access_key": env("CONTENT_STORAGE_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("CONTENT_STORAGE_SECRET_ACCESS_KEY", default="") or None,
            "location": env("CONTENT_STORAGE_PREFIX", default=""),
            "addressing_style": env("CONTENT_STORAGE_ADDRESSING_STYLE", default="") or None,
        },
    }

# --- Email ------------------------------------------------------------------
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
LOCAL_MAILBOX_ENABLED = False
