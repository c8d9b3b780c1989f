"""Vietnamese everywhere: a Vietnamese customer sees no English on any page of Your Account.

The demo customer Bảo (language vi, with data in every app) signs in; the crawl follows every link
from the overview, as test_reflow.py does, and reads each page's visible text, compared with the
catalogue by tests/helpers/english.py (which Chromium's crawl, tests/browser/test_vietnamese_browser.py,
uses too). The failure lists each English text with the page it was on, and says which have no
msgstr yet so the translator can fill them.
"""

from __future__ import annotations

import re
import zipfile
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from apps.accounts.demo import CUSTOMER_EMAILS
from apps.core.actors import SystemActor
from tests.helpers.english import english_on, english_texts, report, seeded_data_texts, visible_texts

PAGE_PREFIXES = ("/account/", "/accounts/", "/u/", "/privacy-policy/", "/cookies/", "/privacy-request/", "/requests/")
SKIP = re.compile(
    r"/download/|/picture/$|/avatar/$|\.csv$|\.json$|/logout/|/accounts/(google|facebook)/|/accounts/social/login/"
)
MAX_PAGES = 150


def _links(html: str) -> list[str]:
    paths = []
    for href in re.findall(r'href="([^"]+)"', html):
        parts = urlsplit(href.replace("&amp;", "&"))
        if parts.netloc or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(PAGE_PREFIXES) and not SKIP.search(parts.path):
            paths.append(parts.path)
    return paths


def crawl(client: Client, start: list[str]) -> dict[str, str]:
    """Every page reachable from ``start`` by links → its HTML."""
    pages: dict[str, str] = {}
    queue = list(start)
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        if path in pages:
            continue
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[path] = html
        queue += [link for link in _links(html) if link not in pages]
    assert len(pages) < MAX_PAGES, "the crawl stopped at its limit: raise MAX_PAGES"
    return pages


@pytest.fixture
def bao(db) -> Client:
    from apps.accounts.models import User

    call_command("seed_demo", customers=0, quiet_logins=True)
    client = Client()
    client.force_login(User.objects.get(email=CUSTOMER_EMAILS[1]))
    client.cookies["django_language"] = "vi"
    return client


def test_a_vietnamese_customer_sees_no_english_on_any_page(bao):
    from apps.subject_requests.models import SubjectRequest

    # The request status pages an email links to, and all that links lead to from Your Account.
    statuses = [
        f"/requests/{r.reference}/status/" for r in SubjectRequest.objects.filter(subject__email=CUSTOMER_EMAILS[1])
    ]
    pages = crawl(bao, ["/account/", *statuses])
    assert set(statuses) <= set(pages)
    assert len(pages) >= 20, sorted(pages)
    assert all('<html lang="vi">' in html for html in pages.values())
    english = english_texts()
    data = seeded_data_texts()
    found = {path: english_on(visible_texts(html), english, inside=data) for path, html in pages.items()}
    found = {path: texts for path, texts in found.items() if texts}
    assert not found, report(found, english)


def english_in_email(text: str, english: dict[str, bool], data: list[str]) -> list[str]:
    """Lines of an email that are an English msgid, and English texts put inside a Vietnamese
    sentence (an authority's name, an outcome, a request type in brackets)."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    found = english_on([line for line in lines if line], english)
    phrases = data + [t for t in english if " " in t and "%" not in t and "{" not in t]
    found += [t for t in phrases if len(t) > 12 and t in text and t not in found]
    return found


def test_a_vietnamese_customer_gets_emails_with_no_english(bao, mailoutbox):
    from django.utils import timezone

    from apps.core.mail import send_templated_mail
    from apps.subject_requests.models import RequestMessage, SubjectRequest
    from apps.subject_requests.services.requests import send_to_requester

    requests = SubjectRequest.objects.filter(subject__email=CUSTOMER_EMAILS[1]).select_related("jurisdiction")
    assert requests
    assert all(r.language == "vi" for r in requests)
    for request in requests:
        for template in ("acknowledged", "completed", "rejected"):
            assert send_to_requester(request, template)
        message = RequestMessage.objects.filter(request=request).first()
        if message is not None:
            assert send_to_requester(request, "message", message=message)
    assert send_to_requester(
        requests[0], "confirm", code="123456", confirm_url="https://example.test/c", expires_at=timezone.now()
    )
    context = {
        "erase_after": timezone.now(),
        "when": timezone.now(),
        "sign_in_url": "https://example.test/in",
        "url": "https://example.test/in",
        "name": "Bảo",
        "reference": "d1e2f3",
    }
    for template in ("deletion_scheduled", "deletion_cancelled", "deletion_done", "inactivity_warning"):
        send_templated_mail(f"retention/email/{template}", context, to=CUSTOMER_EMAILS[1], language="vi")
    english = english_texts()
    data = seeded_data_texts()
    found = {
        f"{m.subject} (to {m.to[0]})": english_in_email(f"{m.subject}\n{m.body}", english, data) for m in mailoutbox
    }
    found = {where: texts for where, texts in found.items() if texts}
    assert not found, report(found, english)


def test_a_vietnamese_customers_export_has_no_english(bao, tmp_path):
    from apps.accounts.models import User
    from apps.personal_data.export.run import export_request, export_run

    customer = User.objects.get(email=CUSTOMER_EMAILS[1])
    export = export_run(export_id=export_request(subject=customer, actor=SystemActor("test"), enqueue=False).pk)
    with zipfile.ZipFile(export.file.path) as archive:
        pages = {name: archive.read(name).decode() for name in archive.namelist() if name.endswith(".html")}
    assert "index.html" in pages
    english = english_texts()
    found = {name: english_on(visible_texts(html), english) for name, html in pages.items()}
    found = {name: texts for name, texts in found.items() if texts}
    assert not found, report(found, english)
