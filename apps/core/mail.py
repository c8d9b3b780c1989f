"""The embedded default's mailbox: every message becomes one .eml file under var/mail/.

A newcomer running `make run` has no mail server; the local mailbox page
(apps.core.views.mailbox_*) lists these files so the verification link can be clicked.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage as ParsedMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.utils import timezone, translation


def mailbox_dir() -> Path:
    return Path(settings.LOCAL_MAILBOX_DIR)


class MailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        folder = mailbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            # Sortable names: newest last by time, unique by uuid.
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:12]}.eml"
            tmp = folder / f".{name}.tmp"
            # Django's MIME classes take a linesep (the stdlib's Message, as typed, does not).
            mime: Any = message.message()
            tmp.write_bytes(mime.as_bytes(linesep="\n"))
            tmp.rename(folder / name)  # readers never see half a message
            sent += 1
        return sent


def mailbox_message_ids() -> list[str]:
    folder = mailbox_dir()
    if not folder.is_dir():
        return []
    return sorted((p.stem for p in folder.glob("*.eml")), reverse=True)


def mailbox_read(message_id: str) -> ParsedMessage | None:
    # The id comes from a URL: accept only names this backend writes.
    if not message_id or "/" in message_id or message_id.startswith("."):
        return None
    path = mailbox_dir() / f"{message_id}.eml"
    if not path.is_file():
        return None
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())  # type: ignore[return-value]


def send_templated_mail(template: str, context: dict, *, to: str, language: str) -> None:
    """Render ``<template>_subject.txt`` and ``<template>_body.txt`` in ``language`` and send them.

    Raises what the mail backend raises: callers decide whether a failed email matters.
    """
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}_body.txt", context)
    send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [to])
