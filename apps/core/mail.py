"""The embedded default's mailbox: every message becomes one .eml file under var/mail/.

A newcomer running `make run` has no mail server; the local mailbox page
(apps.core.views.mailbox_*) lists these files so the verification link can be clicked.
"""

from __future__ import annotations

import ipaddress
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
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip()).is_loopback
    except ValueError:
        return False


def local_mailbox_open_to(request: HttpRequest) -> bool:
    """Whether this request may read the local mailbox (every verification and reset link sent).

    Only a developer's own machine: the embedded default with DEBUG on, and a request that both
    connected from loopback and names no other address in X-Forwarded-For (a proxy on the same
    machine forwarding someone else's request connects from loopback too).
    """
    if not (settings.LOCAL_MAILBOX_ENABLED and settings.DEBUG):
        return False
    forwarded = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    return all(_is_loopback(address) for address in [request.META.get("REMOTE_ADDR") or "", *forwarded])


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


def send_templated_mail(template: str, context: dict, *, to: str, language: str, time_zone: str = "") -> None:
    """Render ``<template>_subject.txt`` and ``<template>_body.txt`` in ``language`` and send them.

    Times in them are shown in ``time_zone`` (a customer's own, ``User.local_time_zone``), else
    in the organisation's TIME_ZONE.

    Raises what the mail backend raises: callers decide whether a failed email matters.
    """
    with translation.override(language or settings.LANGUAGE_CODE), timezone.override(time_zone or settings.TIME_ZONE):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}_body.txt", context)
    send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [to])
