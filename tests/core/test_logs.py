"""Logs carry no secret from a URL and no email address (issue 13, finding 10).

Asserted on the handler LOGGING really installs (its output captured), on the very calls
runserver, Django's request logging and gunicorn's access log make.
"""

from __future__ import annotations

import io
import logging
import os
import smtplib
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from urllib.parse import quote

import pytest
from django.core.servers.basehttp import WSGIRequestHandler

from apps.personal_data.export.run import export_request
from tests.helpers import ROOT, reauthenticate

CONFIRMATION_KEY = "k9x2mq7vbl4c8d1f0ahz3wne6ry5tpsu"
DOWNLOAD_TOKEN = "MTIz:1vXyZa:Sd9sEcReTdOwNlOaDtOkEn"
DOWNLOAD_PATH = f"/account/data/download/{DOWNLOAD_TOKEN}/"
CODE = "QX7M2KP9"
EMAIL = "casey.private@example.test"
SECRETS = (CONFIRMATION_KEY, DOWNLOAD_TOKEN, CODE, EMAIL, "casey.private%40example.test", "Sd9sEcReTdOwNlOaDtOkEn")


@pytest.fixture
def log_output():
    """What the configured console handler writes, for the duration of the test."""
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]  # LOGGING's own
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.parametrize(
    ("request_line", "shown"),
    [
        (f"GET /accounts/confirm-email/{CONFIRMATION_KEY}/ HTTP/1.1", "/accounts/confirm-email/[redacted]/"),
        (
            f"GET /accounts/password/reset/key/1a-{CONFIRMATION_KEY}/ HTTP/1.1",
            "/accounts/password/reset/key/[redacted]/",
        ),
        (f"GET /account/data/download/{DOWNLOAD_TOKEN}/ HTTP/1.1", "/account/data/download/[redacted]/"),
        (f"GET /unsubscribe/{DOWNLOAD_TOKEN}/ HTTP/1.1", "/unsubscribe/[redacted]/"),
        (f"GET /requests/{uuid.uuid4()}/confirm/?code={CODE} HTTP/1.1", "/confirm/?code=[redacted]"),
        (f"GET /accounts/google/login/callback/?state=x&code={CODE} HTTP/1.1", "&code=[redacted]"),
        (f"GET /accounts/login/?next=/x/&token={CODE} HTTP/1.1", "next=/x/&token=[redacted]"),
        (f"GET /accounts/login/?email={EMAIL.replace('@', '%40')} HTTP/1.1", "?email=[redacted]"),
        # Where a sign-in or re-authentication sends the browser back to: the token, percent-encoded.
        (
            f"GET /accounts/reauthenticate/?next={quote(DOWNLOAD_PATH, safe='')} HTTP/1.1",
            "?next=%2Faccount%2Fdata%2Fdownload%2F[redacted]%2F",
        ),
    ],
    ids=["confirm-email", "password-reset", "download", "unsubscribe", "code", "oauth", "token", "email", "next"],
)
def test_runserver_request_lines_carry_no_url_secret(log_output, request_line, shown):
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)  # the method runserver calls per request
    handler.request = None
    handler.log_message('"%s" %s %s', request_line, "200", "512")
    written = log_output.getvalue()
    assert "django.server" in written
    assert shown in written
    assert_no_secret(written)


def test_the_request_log_of_a_refused_download_carries_no_token(client_as, log_output):
    response = reauthenticate(client_as("customer")).get(f"/account/data/download/{DOWNLOAD_TOKEN}/")
    assert 400 <= response.status_code < 500
    written = log_output.getvalue()
    assert "django.request" in written
    assert "/account/data/download/[redacted]/" in written
    assert_no_secret(written)


@pytest.mark.django_db
def test_the_request_log_of_a_bad_unsubscribe_link_carries_no_token(client, log_output):
    response = client.get(f"/unsubscribe/{DOWNLOAD_TOKEN}/")
    assert response.status_code == 400
    written = log_output.getvalue()
    assert "/unsubscribe/[redacted]/" in written
    assert_no_secret(written)


def test_an_exception_naming_an_address_is_logged_without_it(log_output):
    try:
        raise smtplib.SMTPRecipientsRefused({EMAIL: (550, b"No such user")})
    except smtplib.SMTPRecipientsRefused:
        logging.getLogger("apps.subject_requests.services.requests").exception("could not send the %s email", "ack")
    written = log_output.getvalue()
    assert "SMTPRecipientsRefused" in written
    assert "could not send the ack email" in written
    assert_no_secret(written)


@pytest.mark.django_db
def test_an_export_request_names_the_actor_by_reference_only(customer, caplog, log_output):
    with caplog.at_level(logging.INFO, logger="apps.personal_data"):
        export = export_request(subject=customer, actor=customer, enqueue=False)
    (message,) = [r.getMessage() for r in caplog.records if "requested" in r.getMessage()]
    # Said by the call itself, before any redaction.
    assert customer.email not in message
    assert customer.full_name not in message
    assert f"user:{customer.reference}" in message
    assert str(export.reference) in message


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.worker  # another process: a moved clock cannot reach it
def test_gunicorns_access_log_carries_no_url_secret_and_no_client_address(tmp_path):
    access_log = tmp_path / "access.log"
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            '%(h)s "%(r)s" %(s)s "%(f)s" %({x-forwarded-for}i)s %(U)s %(q)s',
        ],
        cwd=ROOT,  # gunicorn.conf.py is read from here
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        paths = [f"/accounts/confirm-email/{CONFIRMATION_KEY}/", f"/requests/{uuid.uuid4()}/confirm/?code={CODE}"]
        deadline = time.monotonic() + 60
        for path in paths:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}",
                headers={
                    "Referer": f"http://portal.example/account/data/download/{DOWNLOAD_TOKEN}/",
                    "X-Forwarded-For": "198.51.100.23",
                },
            )
            while True:
                try:
                    urllib.request.urlopen(request, timeout=30)
                    break
                except urllib.error.HTTPError:
                    break  # answered: any status is logged
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        while access_log.read_text().count("\n") < len(paths) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    written = access_log.read_text()
    assert "/accounts/confirm-email/[redacted]/" in written
    assert "code=[redacted]" in written
    assert_no_secret(written)
    assert "127.0.0.1" not in written
    assert "198.51.100.23" not in written


def test_a_log_call_with_arguments_that_do_not_fit_neither_fails_nor_leaks(log_output):
    logging.getLogger("apps.core").warning("export %s for %s", EMAIL)  # one argument short
    written = log_output.getvalue()
    assert "export %s for %s [arguments dropped" in written
    assert_no_secret(written)
