"""The embedded default's local mailbox: one .eml per message, readable at /dev/mail/."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest
from django.core import mail
from django.core.mail import EmailMessage, get_connection, send_mail
from django.urls import reverse
from django.utils.html import escape

from apps.core.mail import MailboxBackend, mailbox_message_ids, mailbox_read

# The pages render the site footer, which reads the data controller from the database.
pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(settings, tmp_path):
    # The pages open only with DEBUG on (the test client calls from 127.0.0.1, loopback).
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "apps.core.mail.MailboxBackend"
    settings.LOCAL_MAILBOX_DIR = tmp_path / "mail"
    return settings.LOCAL_MAILBOX_DIR


def test_it_writes_one_eml_file_per_message(mailbox):
    sent = send_mail(
        "Confirm your email",
        "Open http://testserver/accounts/confirm-email/abc123/ to confirm.",
        "privacy@portal.example",
        ["casey@example.test"],
    )
    assert sent == 1
    files = list(mailbox.iterdir())
    assert len(files) == 1
    assert files[0].suffix == ".eml"
    parsed = BytesParser(policy=policy.default).parsebytes(files[0].read_bytes())
    assert parsed["To"] == "casey@example.test"
    assert parsed["Subject"] == "Confirm your email"
    assert "confirm-email/abc123" in parsed.get_body(preferencelist=("plain",)).get_content()


def test_it_writes_each_message_of_a_batch_to_its_own_file_and_leaves_no_temporary_files(mailbox):
    messages = [
        EmailMessage(f"Message {i}", f"Body {i}", "privacy@portal.example", [f"person{i}@example.test"])
        for i in range(3)
    ]
    assert get_connection().send_messages(messages) == 3
    names = sorted(p.name for p in mailbox.iterdir())
    assert len(names) == 3
    assert all(name.endswith(".eml") and not name.startswith(".") for name in names)
    subjects = {mailbox_read(message_id)["Subject"] for message_id in mailbox_message_ids()}
    assert subjects == {"Message 0", "Message 1", "Message 2"}
    # Nothing went to the test outbox: the configured backend really was the mailbox.
    assert mail.outbox == []


def test_it_creates_the_mailbox_folder_when_missing(mailbox):
    assert not mailbox.exists()
    assert MailboxBackend().send_messages([EmailMessage("Hi", "Body", "a@example.test", ["b@example.test"])]) == 1
    assert mailbox.is_dir()


def test_it_sends_nothing_for_an_empty_batch(mailbox):
    assert MailboxBackend().send_messages([]) == 0
    assert mailbox_message_ids() == []


def test_it_lists_messages_newest_first(mailbox, time_machine):
    time_machine.move_to("2026-03-01 09:00:00+00:00", tick=False)
    send_mail("Older", "Body", "privacy@portal.example", ["casey@example.test"])
    time_machine.move_to("2026-03-01 10:00:00+00:00", tick=False)
    send_mail("Newer", "Body", "privacy@portal.example", ["casey@example.test"])
    assert [mailbox_read(i)["Subject"] for i in mailbox_message_ids()] == ["Newer", "Older"]


# --- The /dev/mail/ pages ---------------------------------------------------------------------


def test_it_shows_sent_mail_on_the_list_page(client, mailbox):
    send_mail("Confirm your email", "Body", "privacy@portal.example", ["casey@example.test"])
    (message_id,) = mailbox_message_ids()
    response = client.get(reverse("mailbox_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Confirm your email" in page
    assert "casey@example.test" in page
    assert reverse("mailbox_detail", args=[message_id]) in page
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_it_says_when_the_mailbox_is_empty(client, mailbox):
    response = client.get("/dev/mail/")
    assert response.status_code == 200
    assert "No messages yet." in response.content.decode()


def test_it_shows_one_message_on_its_detail_page(client, mailbox):
    send_mail(
        "Confirm your email",
        "Open http://testserver/accounts/confirm-email/abc123/ to confirm <now>.",
        "privacy@portal.example",
        ["casey@example.test"],
    )
    (message_id,) = mailbox_message_ids()
    response = client.get(f"/dev/mail/{message_id}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Confirm your email" in page
    assert "casey@example.test" in page
    # The link is clickable and the body is escaped, not rendered as HTML.
    assert 'href="http://testserver/accounts/confirm-email/abc123/"' in page
    assert escape("<now>") in page
    assert "to confirm <now>" not in page


@pytest.mark.parametrize(
    "path",
    [
        "/dev/mail/..%2F..%2Fetc%2Fpasswd/",
        "/dev/mail/../../etc/passwd/",
        "/dev/mail/.hidden/",
        "/dev/mail/..%2Fmail-outside/",
        "/dev/mail/%2E%2E/",
        "/dev/mail/does-not-exist/",
    ],
)
def test_it_answers_404_to_a_tampered_message_id(client, mailbox, path):
    send_mail("Real", "Body", "privacy@portal.example", ["casey@example.test"])
    mailbox.mkdir(exist_ok=True)
    # Files that exist but are not messages this backend wrote must still be unreachable.
    (mailbox / ".hidden.eml").write_bytes(b"Subject: secret\n\nhidden body\n")
    (mailbox.parent / "mail-outside.eml").write_bytes(b"Subject: outside\n\noutside body\n")
    response = client.get(path)
    assert response.status_code == 404
    assert b"hidden body" not in response.content
    assert b"outside body" not in response.content


def test_it_refuses_unsafe_ids_when_reading(mailbox):
    mailbox.mkdir()
    (mailbox / ".hidden.eml").write_bytes(b"Subject: secret\n\nhidden\n")
    (mailbox.parent / "outside.eml").write_bytes(b"Subject: outside\n\noutside\n")
    assert mailbox_read(".hidden") is None
    assert mailbox_read("../outside") is None
    assert mailbox_read("..") is None
    assert mailbox_read("") is None


def test_it_does_not_list_files_it_would_refuse_to_show(client, mailbox):
    mailbox.mkdir()
    (mailbox / ".hidden.eml").write_bytes(b"Subject: secret\nTo: x@example.test\n\nhidden\n")
    page = client.get("/dev/mail/").content.decode()
    assert "secret" not in page
    assert "/dev/mail/.hidden/" not in page
    assert "No messages yet." in page


def test_it_hides_the_mailbox_pages_when_the_mailbox_is_disabled(client, mailbox, settings):
    send_mail("Confirm your email", "Body", "privacy@portal.example", ["casey@example.test"])
    (message_id,) = mailbox_message_ids()
    settings.LOCAL_MAILBOX_ENABLED = False
    assert client.get("/dev/mail/").status_code == 404
    assert client.get(f"/dev/mail/{message_id}/").status_code == 404


def test_it_accepts_only_get_on_the_mailbox_pages(client, mailbox):
    assert client.post("/dev/mail/").status_code == 405


# --- Only for the developer's own machine (issue 13) ---------------------------------------------


def test_it_hides_the_mailbox_pages_when_debug_is_off(client, mailbox, settings):
    # The embedded default with DJANGO_DEBUG=false: the mailbox is mounted but closed.
    send_mail("Confirm your email", "Body", "privacy@portal.example", ["casey@example.test"])
    (message_id,) = mailbox_message_ids()
    settings.DEBUG = False
    assert client.get("/dev/mail/").status_code == 404
    response = client.get(f"/dev/mail/{message_id}/")
    assert response.status_code == 404
    assert b"casey@example.test" not in response.content


@pytest.mark.parametrize(
    "origin",
    [
        {"REMOTE_ADDR": "203.0.113.9"},
        {"REMOTE_ADDR": "192.168.1.20"},
        # A reverse proxy on the same machine connects from loopback for someone else.
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"},
        {"REMOTE_ADDR": "::1", "HTTP_X_FORWARDED_FOR": "127.0.0.1, 203.0.113.9"},
    ],
    ids=["internet", "lan", "proxied-on-localhost", "proxied-ipv6"],
)
def test_it_hides_the_mailbox_pages_from_other_machines(client, mailbox, origin):
    send_mail("Confirm your email", "Body", "privacy@portal.example", ["casey@example.test"])
    (message_id,) = mailbox_message_ids()
    assert client.get("/dev/mail/", **origin).status_code == 404
    response = client.get(f"/dev/mail/{message_id}/", **origin)
    assert response.status_code == 404
    assert b"casey@example.test" not in response.content
    # Nor does the footer point there.
    assert b"/dev/mail/" not in client.get("/", **origin).content


def test_it_shows_the_mailbox_to_the_developer_on_ipv6_loopback(client, mailbox):
    assert client.get("/dev/mail/", REMOTE_ADDR="::1").status_code == 200
    assert b"/dev/mail/" in client.get("/", REMOTE_ADDR="::1").content
