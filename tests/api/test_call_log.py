"""The call log's row is written once the answer has gone out: the caller never waits for it,
and a row that cannot be written is reported, not turned into a failed call."""

import logging
import time

import httpx
import pytest
from django.db import connections

from apps.api.middleware import _log_closed
from apps.api.models import ApiCall

CHECK = {"purpose": "marketing-email", "channel": "email", "person": {"email": "casey@example.test"}}


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_caller_has_its_answer_before_the_log_row_is_written(live_server, make_client):
    _client, key = make_client()
    holder = connections.create_connection("default")  # a second, real connection
    try:
        with holder.cursor() as cursor:
            holder.set_autocommit(False)
            # Writes to the call log wait behind this lock; reads do not.
            cursor.execute("LOCK TABLE api_apicall IN EXCLUSIVE MODE")
            answered = httpx.post(
                f"{live_server.url}/api/v1/consent/check",
                json=CHECK,
                headers={"Authorization": f"Bearer {key}"},
                timeout=10,
            )
            assert answered.status_code == 200
            assert answered.json() == {"allowed": False, "reason": "no_consent"}
            assert ApiCall.objects.count() == 0  # its row is still waiting for the lock
        holder.commit()
    finally:
        holder.close()
    deadline = time.monotonic() + 10
    while not ApiCall.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(ApiCall.objects.values_list("endpoint", "status")) == [("consent_check", 200)]


@pytest.mark.django_db(transaction=True)
def test_a_row_that_cannot_be_written_is_reported(caplog):
    # A client that does not exist: the database refuses the row (a foreign key).
    call = {"client_id": 987654321, "endpoint": "consent_check", "method": "POST"}
    with caplog.at_level(logging.ERROR, logger="apps.api.middleware"):
        _log_closed(call, 200, 3)
    assert "API call not logged" in caplog.text
    assert not ApiCall.objects.exists()
