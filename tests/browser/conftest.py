"""Browser tests: pytest-playwright driving Debian's `chromium` package.

Playwright's own browser download cannot work here (no network), so the system
Chromium is launched through ``executable_path``. Without Chromium these tests skip,
except under CI=true, where a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import IN_CI
from tests.helpers.screenshots import save_screenshot

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")

# Django's sync ORM refuses to run inside Playwright's event loop without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            # Under CI a missing Chromium is not skipped: the launch fixture fails instead.
            if not CHROMIUM and not IN_CI:
                item.add_marker(pytest.mark.skip(reason="Debian's chromium is not installed"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM:
        pytest.fail("CI=true but no Chromium found: install Debian's chromium package")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def screenshot(request):
    """screenshot("name") saves a full-page PNG of the test's page under test-artifacts/screenshots/,
    named after the test; screenshot("name", page=other) shoots a page of a context the test opened.
    pytest-playwright's ``page`` is only opened when no other page is given."""

    def take(name: str, page=None) -> Path:
        return save_screenshot(page or request.getfixturevalue("page"), f"{request.node.name}--{name}")

    return take


class _PolicyWatchedBrowser:
    """The session's browser, whose every new context reports what the page's
    Content-Security-Policy blocked (Chromium says so on the console)."""

    def __init__(self, browser, blocked: list[str]) -> None:
        self._browser = browser
        self._blocked = blocked

    def new_context(self, *args, **kwargs):
        context = self._browser.new_context(*args, **kwargs)

        def watch(message) -> None:
            if message.type == "error" and "Content Security Policy" in message.text:
                self._blocked.append(f"{message.page.url if message.page else ''}: {message.text}")

        context.on("console", watch)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def browser(browser):
    """Every browser test also checks the Content-Security-Policy: a page whose script, style
    or form the policy blocks fails the test, in pytest-playwright's ``page`` and in contexts
    a test opens itself."""
    blocked: list[str] = []
    yield _PolicyWatchedBrowser(browser, blocked)
    assert blocked == [], "\n".join(blocked)
