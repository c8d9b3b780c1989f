"""Test doubles at Django's email boundary, for the batched sender's failure and overlap tests.

Both keep Django's in-memory outbox (django.core.mail.outbox), so tests read what was sent.
"""

from __future__ import annotations

import smtplib
import time

from django.conf import settings
from django.core.mail.backends import locmem


class FailOnceBackend(locmem.EmailBackend):
    """Refuses the first message to ``settings.TEST_EMAIL_FAIL_ONCE_FOR``, as a mail server might."""

    failed: set[str] = set()

    def send_messages(self, messages):
        address = getattr(settings, "TEST_EMAIL_FAIL_ONCE_FOR", "")
        for message in messages:
            if address in message.to and address not in FailOnceBackend.failed:
                FailOnceBackend.failed.add(address)
                raise smtplib.SMTPRecipientsRefused({address: (450, b"4.2.1 mailbox busy, try again later")})
        return super().send_messages(messages)


class SlowBackend(locmem.EmailBackend):
    """Takes a little time per message, so two senders really overlap."""

    def send_messages(self, messages):
        time.sleep(0.01 * len(messages))
        return super().send_messages(messages)
