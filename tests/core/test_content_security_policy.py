"""A Content-Security-Policy on every page, and templates that need no inline script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from config.settings.base import content_security_policy

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "default-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


def directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']} answered {response.status_code} without a policy"
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def assert_policy(response) -> None:
    policy = directives(response)
    path = response.request["PATH_INFO"]
    for name, source in REQUIRED.items():
        assert policy.get(name, [None])[0] == source, (path, name, policy.get(name))
    assert "'unsafe-inline'" not in policy["script-src"], path
    assert "'unsafe-eval'" not in policy["script-src"], path


def _named_routes_without_arguments(resolver: URLResolver, namespace: str = "") -> list[str]:
    names = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names += _named_routes_without_arguments(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(namespace + entry.name)
    return names


def page_paths() -> list[str]:
    paths = set()
    for name in _named_routes_without_arguments(get_resolver()):
        try:
            paths.add(reverse(name))
        except NoReverseMatch:
            continue  # needs an argument: covered by the pages below that link to it
    return sorted(paths - {reverse("healthz")})  # the health check waits on the worker


@pytest.mark.parametrize("persona", ["anonymous", "customer", "officer"])
def test_every_page_without_arguments_carries_the_policy(client_as, persona):
    client = client_as(persona)
    # An error page needs the policy as much as any other (one provider without an app answers 500).
    client.raise_request_exception = False
    paths = page_paths()
    assert len(paths) > 40
    for path in paths:
        assert_policy(client.get(path))


def test_error_pages_carry_the_policy(client):
    assert_policy(client.get("/no-such-page/"))
    assert_policy(client.get(reverse("admin:index")))


def test_admin_pages_with_arguments_carry_the_policy(client_as, customer):
    client = client_as("officer")
    assert_policy(client.get(reverse("admin:accounts_user_change", args=[customer.pk])))
    assert_policy(client.get(reverse("admin:accounts_user_changelist")))


def test_it_sends_the_nonce_it_gives_a_page():
    request = RequestFactory().get("/")
    middleware = CSPMiddleware(lambda request: HttpResponse(str(request.csp_nonce)))
    response = middleware(request)
    assert f"'nonce-{response.content.decode()}'" in directives_of(response)["script-src"]


def directives_of(response) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in response["Content-Security-Policy"].split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_social_sign_in_may_leave_for_the_configured_providers_only():
    form_action = content_security_policy({"google": {}})["DIRECTIVES"]["form-action"]
    assert form_action == ["'self'", "https://accounts.google.com"]
    assert content_security_policy({})["DIRECTIVES"]["form-action"] == ["'self'"]
    assert "https://accounts.google.com" in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"]


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
NONCE = re.compile(r"""\bnonce=["']\{\{\s*request\.csp_nonce\s*\}\}["']""")


def _templates() -> list[Path]:
    return sorted([*(ROOT / "templates").rglob("*.html"), *(ROOT / "apps").glob("*/templates/**/*.html")])


def test_no_template_has_an_inline_script_without_a_nonce():
    offenders = []
    for template in _templates():
        text = template.read_text()
        for match in SCRIPT_TAG.finditer(text):
            attributes = match.group(1)
            if "src=" not in attributes and not NONCE.search(attributes):
                offenders.append(f"{template.relative_to(ROOT)}: {match.group(0)}")
        if EVENT_HANDLER.search(text) or "javascript:" in text:
            offenders.append(f"{template.relative_to(ROOT)}: an inline event handler or javascript: URL")
    assert offenders == [], 'move the script to static/ or give it nonce="{{ request.csp_nonce }}"'
