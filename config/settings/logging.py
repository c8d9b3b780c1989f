"""Logging (issue 13), read by config/settings/base.py; levels set through the environment."""

import environ

env = environ.Env()

# One handler, on standard error. Every handler carries RedactSecrets (apps.core.logs): one-use keys
# in URLs (confirmation, reset, download, unsubscribe), ?code=/?token= and email addresses become
# [redacted], whoever logs them. Django's own loggers ("django" with its mail_admins handler, and
# "django.server", runserver's request lines) lose their default handlers and reach this one.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "apps.core.logs.RedactSecrets"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]},
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "propagate": True, "level": env("DJANGO_SERVER_LOG_LEVEL", default="INFO")},
        "django.request": {"level": env("DJANGO_REQUEST_LOG_LEVEL", default="WARNING")},
        "django.db.backends": {"level": "WARNING"},
    },
}
