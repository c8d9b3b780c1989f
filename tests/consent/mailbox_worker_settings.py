"""Settings for a test Celery worker that writes its mail to the local mailbox (one .eml per message).

The worker is another process, so Django's in-memory outbox cannot show what it sent; the
mailbox folder (PORTAL_TEST_MAILBOX_DIR) can.
"""

import os
from pathlib import Path

from config.settings.test import *  # noqa: F403

EMAIL_BACKEND = "apps.core.mail.MailboxBackend"
LOCAL_MAILBOX_DIR = Path(os.environ["PORTAL_TEST_MAILBOX_DIR"])
