"""Screenshots kept as test artifacts: one helper for every browser test, whatever page or
context it drives (the ``screenshot`` fixture in tests/browser/conftest.py is this, bound to the
test's name and pytest-playwright's page)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers.paths import ARTIFACTS


def path_slug(path: str) -> str:
    """A URL path as part of a file name: ``/account/requests/`` → ``account-requests``."""
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def save_screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """The page as ``<ARTIFACTS>/<name>.png`` (the whole page unless ``full_page`` is false)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
