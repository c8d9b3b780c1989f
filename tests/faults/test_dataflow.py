"""The data-flow check: once a customer who used the portal (signed in, asked for a copy of
their data, filed a request, was acknowledged by email) is erased through the worker, their
email address is in no log line, task message, result, cache entry or file the portal wrote
(tests/helpers/dataflow.py says where it looks)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.core.actors import SystemActor
from apps.core.models import Job
from apps.personal_data.erasure.checkpoint import FINISHED
from apps.personal_data.erasure.run import erasure_start
from apps.personal_data.models import DataExport, ErasureRun
from apps.subject_requests.models import SubjectRequest
from tests.factories import UserFactory
from tests.helpers import reauthenticate, sign_in
from tests.helpers.dataflow import places_holding, record_task_messages
from tests.helpers.faults import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def web_log() -> Iterator[Path]:
    """Everything the web process logs during the test, in a file."""
    path = Path(os.environ["PORTAL_TEST_VAR_DIR"]) / f"web-{time.time_ns()}.log"
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        handler.close()


def all_jobs_done() -> bool:
    return set(Job.objects.values_list("state", flat=True)) <= {Job.State.DONE}


def test_an_erased_customers_email_is_left_nowhere_the_portal_wrote(broker, workers, web_log, client):
    email = f"dataflow-{time.time_ns()}@example.test"
    customer = UserFactory(email=email, full_name="Dana Flow")
    var_dir = Path(os.environ["PORTAL_TEST_VAR_DIR"])
    with record_task_messages(var_dir) as messages:
        workers()
        reauthenticate(sign_in(client, customer))
        assert client.post("/account/data/").status_code == 302
        assert client.post("/account/requests/new/access/", {"details": "All of it"}).status_code == 302
        wait_until(all_jobs_done, what="the export and the acknowledgement")
        assert DataExport.objects.get(subject=customer).status == DataExport.Status.READY
        assert SubjectRequest.objects.get(subject=customer).acknowledged_at is not None

        run = erasure_start(subject=customer, actor=SystemActor("tests"), reason="data-flow check")
        wait_until(lambda: ErasureRun.objects.get(pk=run.pk).status in FINISHED, what="the erasure")
        assert ErasureRun.objects.get(pk=run.pk).status == ErasureRun.Status.COMPLETED

    logs = [web_log, messages, *var_dir.glob("worker-*.log")]
    assert messages.read_text().count("run_job_task") >= 3  # the check saw the messages it vouches for
    assert places_holding(email, logs=logs, redis_urls=[broker.url]) == []
