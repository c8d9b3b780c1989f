"""The layout rule (README, "Architecture"), checked so it stays true: every module of an app
is named after its layer, a layer grown past one file is a package of sub-domains, no module
is much past 400 lines, and what the code and docs point at exists."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from tests.helpers import ROOT

APPS = ROOT / "apps"
# Django's layers, the portal's own (personal_data, demo, domain), extension points other
# apps add to (registry), and long-running engines named by their noun.
LAYERS = {
    "models", "selectors", "services", "forms", "views", "urls", "admin", "tasks", "signals",
    "middleware", "context_processors", "checks", "adapters", "apps", "templatetags",
    "management", "migrations", "personal_data", "demo", "domain", "registry",
}  # fmt: skip
ENGINES = {"erasure", "export", "purge", "execution", "mailing", "jobs"}
# core holds the shared pieces with no domain of their own, each named by what it is.
SHARED = {
    "actors", "bulk", "cache", "cards", "charts", "clock", "db", "files", "health", "http", "logs", "mail",
    "navigation", "server", "spreadsheets", "storage", "text", "webhooks",
}  # fmt: skip
MAX_LINES = 420  # "about 400": a module past it is split by sub-domain


def app_dirs() -> list[Path]:
    return sorted(p for p in APPS.iterdir() if p.is_dir() and (p / "apps.py").exists())


def top_level(app: Path) -> list[str]:
    names = []
    for child in app.iterdir():
        if child.name.startswith(("_", ".")):
            continue
        if child.is_dir() and (child / "__init__.py").exists():
            names.append(child.name)
        elif child.suffix == ".py":
            names.append(child.stem)
    return sorted(names)


@pytest.mark.parametrize("app", app_dirs(), ids=lambda p: p.name)
def test_every_module_of_an_app_is_named_after_its_layer(app):
    allowed = LAYERS | ENGINES | (SHARED if app.name == "core" else set())
    assert [name for name in top_level(app) if name not in allowed] == []


def test_no_module_is_named_layer_underscore_topic():
    pattern = re.compile(r"^(views|urls|admin|services|selectors|forms|models|tasks)_\w+\.py$")
    assert [str(p.relative_to(ROOT)) for p in APPS.rglob("*.py") if pattern.match(p.name)] == []


def test_no_module_is_much_past_400_lines():
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for path in [*APPS.rglob("*.py"), *(ROOT / "config").rglob("*.py")]
        if "migrations" not in path.parts
    }
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES} == {}


def test_every_app_has_one_urls_module_at_most():
    assert [str(p.relative_to(ROOT)) for p in APPS.rglob("urls*.py") if p.name != "urls.py"] == []
    assert [str(p.relative_to(ROOT)) for p in APPS.glob("*/urls") if p.is_dir()] == []


# Paths written in code, templates and docs: "apps/core/jobs/run.py", "tests/helpers/auth.py"…
REFERENCE = re.compile(r"\b((?:apps|tests|config|bench|templates|static|locale)/[\w./-]*\w)")
SCANNED = ("*.py", "*.html", "*.md", "*.txt", "Makefile", "run")


def _references() -> list[tuple[str, str]]:
    found = []
    files = {p for pattern in SCANNED for p in ROOT.rglob(pattern)}
    for path in sorted(files):
        parts = set(path.relative_to(ROOT).parts)
        if parts & {".venv", "var", "node_modules", ".git", "test-artifacts"} or "migrations" in parts:
            continue
        for match in REFERENCE.finditer(path.read_text(errors="ignore")):
            found.append((str(path.relative_to(ROOT)), match.group(1).rstrip(".")))
    return found


def test_the_files_the_code_and_docs_point_at_exist():
    def exists(reference: str) -> bool:
        target = ROOT / reference
        # A module may be named by its path without ".py", a template folder by its path.
        return target.exists() or target.with_suffix(".py").exists() or (target.parent / (target.name + ".py")).exists()

    missing = [(source, ref) for source, ref in _references() if "<" not in ref and not exists(ref)]
    assert missing == []


# Modules named in prose: "apps.core.jobs.run", "apps.consent.services.ledger.consent_record"…
# (Not inside quotes: a signing salt keeps the module name it was born with, on purpose.)
APP_LABELS = "core|accounts|personal_data|disclosures|consent|retention|subject_requests"
DOTTED = re.compile(rf"(?<![\w.\"'])(apps\.(?:{APP_LABELS})(?:\.[a-z_]+)*)")


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def test_the_modules_the_code_and_docs_name_exist():
    missing = []
    files = {p for pattern in SCANNED for p in ROOT.rglob(pattern)}
    for path in sorted(files):
        parts = set(path.relative_to(ROOT).parts)
        if parts & {".venv", "var", "node_modules", ".git", "test-artifacts"} or "migrations" in parts:
            continue
        for match in DOTTED.finditer(path.read_text(errors="ignore")):
            name = match.group(1).rstrip(".")
            # The name, or the name less its last part (a function or class in that module).
            if not (_module_exists(name) or (_module_exists(name.rsplit(".", 1)[0]) and "." in name[5:])):
                missing.append((str(path.relative_to(ROOT)), name))
    assert missing == []


OUTSIDE = "DESIGN" + ".md"  # the team's design notes live beside the repository, not in a clone of it


def test_nothing_points_at_a_document_outside_the_repository():
    outside = [
        str(p.relative_to(ROOT))
        for pattern in SCANNED
        for p in ROOT.rglob(pattern)
        if not set(p.relative_to(ROOT).parts) & {".venv", "var", ".git"} and OUTSIDE in p.read_text(errors="ignore")
    ]
    assert outside == []
