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


def test_the_schema_declares_etags_rate_limits_and_a_non_blank_idempotency_key(caller, person_token):
    import jsonschema

    schema = Client().get("/api/v1/openapi.json").json()
    again = Client().get("/api/v1/openapi.json").json()
    assert again == schema  # declared once per document, not once more on every request
    writes = 0
    operations = [(method, op) for methods in schema["paths"].values() for method, op in methods.items()]
    for method, operation in operations:
        refused = operation["responses"]["429"]
        assert {"Retry-After", "RateLimit-Limit", "RateLimit-Remaining"} <= set(refused["headers"])
        headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
        if method == "get":
            assert headers["If-None-Match"]["required"] is False
            assert "ETag" in operation["responses"]["200"]["headers"]
            assert "304" in operation["responses"]
        if "Idempotency-Key" in headers:
            writes += 1
            key_schema = headers["Idempotency-Key"]["schema"]
            jsonschema.validate("retry-7", key_schema)
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate("   ", key_schema)
    assert writes >= 2
    # What the schema promises, the server does: a 304 for the ETag it gave.
    first = caller.get("/api/v1/suppressions")
    assert caller.get("/api/v1/suppressions", **{"If-None-Match": first["ETag"]}).status_code == 304
    blank = caller.post(
        "/api/v1/requests", {"person_token": person_token, "request_type": "access"}, idempotency_key="  "
    )
    assert blank.status_code == 400
