"""The embedded default: SQLite, a filesystem broker and a file mailbox under var/."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
LOCAL_MAILBOX_ENABLED = True
