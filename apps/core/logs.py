"""What reaches a log line: no secret from a URL, no email address (issue 13, finding 10).

Log calls name people by opaque reference (``actor_label``), never by email, name or IP address.
Request logging cannot choose what it prints, so every handler in LOGGING (config/settings/base.py)
carries ``RedactSecrets`` and gunicorn's access log uses ``RedactingGunicornLogger``
(gunicorn.conf.py): one-use keys in paths (email confirmation, password reset, export download,
unsubscribe links), secret query parameters (``?code=``, ``?token=``, OAuth's ``code`` and ``state``)
and email addresses anywhere in a message or traceback are replaced by ``[redacted]``.

Imported by the logging configuration before Django's apps load: nothing here may touch models.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[redacted]"

# Paths whose next segment is a secret: allauth's email confirmation and password reset keys,
# the export download token (apps.personal_data.urls), the unsubscribe token (apps.consent.urls).
SECRET_PATH_PREFIXES = (
    "/accounts/confirm-email/",
    "/accounts/password/reset/key/",
    "/account/data/download/",
    "/unsubscribe/",
)
# Query parameters that carry a secret: the public form's confirmation code, tokens, OAuth's
# authorisation code and state, Facebook's signed request.
SECRET_QUERY_PARAMETERS = (
    "code",
    "token",
    "key",
    "state",
    "secret",
    "password",
    "signature",
    "signed_request",
    "access_token",
    "refresh_token",
    "id_token",
)

# As written in a path, and percent-encoded inside another URL (?next=%2Faccount%2Fdata%2Fdownload%2F…).
_SECRET_PATH = re.compile(
    r"(?P<prefix>(?:" + "|".join(re.escape(prefix) for prefix in SECRET_PATH_PREFIXES) + r"))[^/?#\s\"']+"
    r"|(?P<encoded_prefix>(?:"
    + "|".join(re.escape(prefix.replace("/", "%2F")) for prefix in SECRET_PATH_PREFIXES)
    + r"))(?:(?!%2F)[^/?#&;\s\"'])+",
    re.IGNORECASE,
)
_SECRET_QUERY = re.compile(
    r"(?P<prefix>[?&;](?:" + "|".join(SECRET_QUERY_PARAMETERS) + r")=)[^&;#\s\"']*", re.IGNORECASE
)
# Loose on purpose: any word@domain.tld shape, in a message, a URL (%40 included) or a traceback.
_EMAIL = re.compile(r"[\w.!#$%'*+^`{|}~-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with URL secrets and email addresses replaced by [redacted]."""
    text = _SECRET_PATH.sub(lambda match: (match.group("prefix") or match.group("encoded_prefix")) + REDACTED, text)
    text = _SECRET_QUERY.sub(lambda match: match.group("prefix") + REDACTED, text)
    return _EMAIL.sub(REDACTED, text)


class RedactSecrets(logging.Filter):
    """A handler filter: formats the record's message (and traceback) once, redacted.

    On handlers rather than loggers, because a logger's filters do not see records that
    propagate to it from child loggers (django.request, django.server, celery, ours).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a log call with the wrong arguments must not fail the request that made it
            message = f"{record.msg} [arguments dropped: they did not fit the message]"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def redact_access_atoms(atoms: dict[str, Any]) -> dict[str, Any]:
    """gunicorn's access-log values, redacted: no client address, cookie or credential, no URL secret."""
    cleaned: dict[str, Any] = {}
    for name, value in atoms.items():
        lowered = name.lower()
        if lowered in ("h", "{remote_addr}e", "{http_x_forwarded_for}e", "{x-forwarded-for}i", "{x-real-ip}i"):
            cleaned[name] = "-"
        elif lowered in ("{cookie}i", "{authorization}i", "{http_cookie}e", "{http_authorization}e", "{set-cookie}o"):
            cleaned[name] = REDACTED
        elif lowered in ("q", "{query_string}e") and isinstance(value, str):
            cleaned[name] = redact("?" + value)[1:]  # the query string without its "?"
        else:
            cleaned[name] = redact(value) if isinstance(value, str) else value
    return cleaned
