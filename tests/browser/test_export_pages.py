"""The export of a demo customer, unzipped, read in Chromium from file:// URLs: readable pages
showing the data, and no broken link on any page (every link on every page followed)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Page, expect

from apps.accounts.demo import CUSTOMER_EMAILS
from apps.accounts.models import LoginEvent, User
from apps.core.actors import SystemActor
from apps.personal_data.export.pages import PAGE_ROWS
from apps.personal_data.export.run import export_request, export_run

pytestmark = pytest.mark.usefixtures("db")


def unzipped_export(tmp_path: Path) -> Path:
    call_command("seed_demo", customers=1, quiet_logins=True)
    customer = User.objects.get(email=CUSTOMER_EMAILS[0])
    # A long sign-in history: its categories' pages run to more than one file (PAGE_ROWS).
    LoginEvent.objects.bulk_create(
        LoginEvent(user=customer, ip_address="203.0.113.7", method=LoginEvent.Method.PASSWORD, succeeded=True)
        for _ in range(PAGE_ROWS + 10)
    )
    export = export_run(export_id=export_request(subject=customer, actor=SystemActor("test"), enqueue=False).pk)
    folder = tmp_path / "my-data"
    with zipfile.ZipFile(export.file.path) as archive:
        archive.extractall(folder)
    return folder


def test_the_unzipped_export_reads_as_pages_with_no_broken_link(tmp_path, page: Page, screenshot):
    folder = unzipped_export(tmp_path)
    index = (folder / "index.html").as_uri()
    page.goto(index)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    screenshot("01-index")

    to_visit, seen, external, files = [index], set(), set(), set()
    while to_visit:
        url = to_visit.pop()
        if url in seen:
            continue
        seen.add(url)
        page.goto(url)
        assert page.title(), url
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        # Every link, resolved by the browser itself against the page it is on.
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            target = href.split("#", 1)[0]
            if target.startswith("file://"):
                path = Path(unquote(urlsplit(target).path))
                assert path.is_file(), f"{url} links to {href}, which is not in the download"
                assert folder in path.parents, f"{url} links outside the download: {href}"
                if path.suffix == ".html":
                    to_visit.append(target)
                else:
                    files.add(path)
            else:
                external.add(target)

    pages = {Path(unquote(urlsplit(u).path)).relative_to(folder).as_posix() for u in seen}
    assert {"index.html", "pages/rights.html", "pages/contact.html", "pages/technical.html"} <= pages
    assert {"pages/technical-2.html", "pages/usage-2.html"} <= pages
    # Every file of the download is reachable from the pages (the manifest lists them all).
    listed = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    reachable = pages | {p.relative_to(folder).as_posix() for p in files}
    assert listed - reachable == set()
    # The only links that leave the folder go to the portal (to use a right) or an authority.
    site = settings.SITE_URL.rstrip("/")
    assert external, "the rights page links to the portal"
    for href in external:
        assert href.startswith((site + "/", "https://")), href

    # A category page shows the data itself, in a table a person reads.
    page.goto((folder / "pages" / "contact.html").as_uri())
    expect(page.get_by_role("heading", level=2, name="Your account", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name=CUSTOMER_EMAILS[0], exact=True).first).to_be_visible()
    screenshot("02-contact")
    # A category longer than a page goes on in the next file, with links both ways.
    page.goto((folder / "pages" / "technical-2.html").as_uri())
    expect(page.get_by_text("Page 2 of 2").first).to_be_visible()
    page.get_by_role("link", name="Previous page").first.click()
    expect(page.get_by_text("Page 1 of 2").first).to_be_visible()
    page.get_by_role("link", name="Next page").first.click()
    expect(page).to_have_url((folder / "pages" / "technical-2.html").as_uri())

    page.goto((folder / "pages" / "rights.html").as_uri())
    expect(page.get_by_role("heading", level=2, name="Your rights", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Ask us to erase your data")).to_be_visible()
    screenshot("03-rights")
