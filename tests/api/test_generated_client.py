"""A client generated from the portal's own OpenAPI document (openapi-python-client, as another
team would), against a live server: it files a request, checks consent and syncs the
suppression feed. Generated once per module from the schema the live server serves, so a schema
that disagrees with the server (a missing header, a field the server does not send) fails here."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import time_machine
from django.utils import timezone

from apps.api.domain import Scope
from apps.api.models import ApiClient
from apps.api.services import api_client_create
from apps.consent.models import ConsentEvent, Purpose, Suppression
from apps.consent.selectors.ledger import may_contact
from apps.consent.services.ledger import Context, consent_record, suppression_add
from apps.subject_requests.models import SubjectRequest
from tests.helpers.auth import reauthenticate, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = "portal_api_client"
# openapi-python-client has no reader for a stream: it hands the batch's NDJSON over as bytes.
GENERATOR_CONFIG = "post_hooks: []\ncontent_type_overrides:\n  application/x-ndjson: application/octet-stream\n"


@pytest.fixture(scope="module")
def generated(live_server, tmp_path_factory, django_db_blocker):
    """The client package, generated from the live server's /api/v1/openapi.json."""
    where = tmp_path_factory.mktemp("generated")
    with django_db_blocker.unblock():  # the server's thread may open its database connection
        schema = httpx.get(f"{live_server.url}/api/v1/openapi.json", timeout=30)
    schema.raise_for_status()
    (where / "openapi.json").write_bytes(schema.content)
    (where / "config.yaml").write_text(GENERATOR_CONFIG)
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [
            *(str(generator), "generate", "--path", "openapi.json", "--config", "config.yaml"),
            *("--output-path", PACKAGE, "--meta", "none", "--fail-on-warning"),
        ],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _module(generated, name: str):
    return importlib.import_module(f"{generated.__name__}.{name}")


def _strict(model) -> None:
    """A field the server sent that the schema does not name lands in additional_properties."""
    assert not model.additional_properties, model.additional_properties


def _person_token(live_server, user) -> str:
    """The token the portal gives the signed-in person at /account/app-token/, over HTTP as an
    app's web view asks for it (a recent sign-in: the page asks for the password again)."""
    from django.test import Client

    browser = Client()
    sign_in(browser, user)
    reauthenticate(browser)
    from django.conf import settings

    cookies = {settings.SESSION_COOKIE_NAME: browser.cookies[settings.SESSION_COOKIE_NAME].value}
    with httpx.Client(base_url=live_server.url, cookies=cookies, timeout=30) as web:
        web.get("/account/app-token/").raise_for_status()
        answer = web.post(
            "/account/app-token/",
            headers={
                "Accept": "application/json",
                "X-CSRFToken": web.cookies[settings.CSRF_COOKIE_NAME],
                "Referer": f"{live_server.url}/account/app-token/",
            },
        )
    assert answer.status_code == 200, answer.text[:300]
    return answer.json()["token"]


def test_a_generated_client_files_a_request_checks_consent_and_syncs_the_suppression_feed(
    generated, live_server, officer, customer, other_customer
):
    _client, key = api_client_create(
        client=ApiClient(name="mobile app", owner="App team", purpose="Requests and consent", scopes=Scope.values),
        actor=officer,
    )
    api = generated.AuthenticatedClient(base_url=live_server.url, token=key, raise_on_unexpected_status=True)
    models = _module(generated, "models")

    # File a request for the signed-in person, then read it back.
    request_create = _module(generated, "api.requests.request_create")
    filed = request_create.sync_detailed(
        client=api,
        body=models.RequestIn(person_token=_person_token(live_server, customer), request_type="access"),
        idempotency_key="generated-client-1",
    )
    assert filed.status_code == 201, filed.content
    assert isinstance(filed.parsed, models.RequestOut)
    _strict(filed.parsed)
    stored = SubjectRequest.objects.get(reference=filed.parsed.reference)
    assert (stored.subject, stored.request_type) == (customer, "access")
    read = _module(generated, "api.requests.request_read").sync(client=api, reference=filed.parsed.reference)
    assert isinstance(read, models.RequestOut)
    _strict(read)
    assert (read.status, read.request_type) == (stored.status, "access")
    assert read.timeline
    assert all(isinstance(item, models.TimelineOut) for item in read.timeline)

    # Check consent: one person, then a batch (its NDJSON arrives as bytes).
    purpose = Purpose.objects.get(code="marketing-email")
    page = Context(method=ConsentEvent.Method.ACCOUNT_PAGE, language="en", source_page="/account/privacy-choices/")
    consent_record(purpose=purpose, granted=True, context=page, actor=customer, subject=customer)
    check = _module(generated, "api.consent.consent_check")
    for person, expected in ((customer, True), (other_customer, False)):
        answer = check.sync(
            client=api,
            body=models.CheckIn(purpose=purpose.code, channel="email", person=models.PersonIn(email=person.email)),
        )
        assert isinstance(answer, models.CheckOut)
        _strict(answer)
        assert answer.allowed is expected is may_contact(person, channel="email", purpose=purpose)
    batch = _module(generated, "api.consent.consent_check_batch").sync(
        client=api,
        body=models.BatchCheckIn(
            purpose=purpose.code,
            channel="email",
            people=[models.PersonIn(email=customer.email), models.PersonIn(account=str(other_customer.reference))],
        ),
    )
    lines = [json.loads(line) for line in batch.payload.read().splitlines()]
    assert [(line.get("email") or line.get("account"), line["allowed"]) for line in lines] == [
        (customer.email, True),
        (str(other_customer.reference), False),
    ]

    # Sync the suppression feed two at a time, following the cursor to its end.
    for n in range(5):
        suppression_add(email=f"gone{n}@example.test", channel="email", reason="complaint")
    feed = _module(generated, "api.feeds.suppression_feed")
    synced, cursor, pages = [], None, 0
    # Past the feed's safety lag, as a warehouse's next run would be.
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        while True:
            kwargs = {"cursor": cursor} if cursor else {}
            got = feed.sync(client=api, limit=2, **kwargs)
            assert isinstance(got, models.SuppressionPage)
            _strict(got)
            pages += 1
            synced += [item.email_hash for item in got.items]
            cursor = got.next_cursor
            if len(got.items) < 2:
                break
    assert pages >= 3
    assert synced == list(Suppression.objects.order_by("pk").values_list("address_hash", flat=True))

    # An error is a problem the generated client reads as one.
    missing = _module(generated, "api.requests.request_read").sync_detailed(
        client=api, reference="00000000-0000-0000-0000-000000000000"
    )
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Problem)
    assert missing.parsed.status == 404
