"""The OpenAPI document validates, and its documentation page loads nothing from outside."""

import re

import pytest
from django.test import Client
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi():
    schema = Client().get("/api/v1/openapi.json").json()
    validate(schema)
    assert schema["components"]["securitySchemes"]
    assert "/api/v1/consent/check/batch" in schema["paths"]


def test_the_docs_page_uses_only_the_portals_own_assets():
    page = Client().get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(source.startswith(("/", "data:")) for source in sources), sources
    assert "script-src 'self'" in page["Content-Security-Policy"]
