"""An access request collects each system's answer into the export: told by signed webhook
(the file on the callback), by email (the file uploaded on the one-time link's page) or by an
officer (the file uploaded on the task); the export waits for them and then has a folder per
system, in the index page and the manifest with checksums. Erasure deletes the stored files."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zipfile

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.core.jobs import job_run_here
from apps.core.webhooks import webhooks_relay
from apps.disclosures.models import Recipient
from apps.personal_data.models import DataExport
from apps.subject_requests.execution import subject_request_execute
from apps.subject_requests.models import ExecutionState, SubjectRequest
from apps.systems.domain import INSTRUCTIONS_JOB
from apps.systems.models import AccessAnswer, PropagationTask
from apps.systems.services import propagation_task_close
from tests.subject_requests.test_execution import run, started
from tests.systems.conftest import callback, make_system

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status
State = PropagationTask.State
CSV = b"ticket,opened\r\nT-1,2026-01-02\r\n"


def file_answer(content: bytes, fmt: str = "csv") -> dict:
    return {"status": "done", "file": {"format": fmt, "content_base64": base64.b64encode(content).decode()}}


def email_link(task: PropagationTask, capture) -> str:
    with capture(execute=True):
        job_run_here(kind=INSTRUCTIONS_JOB, target=task.pk)
    [message] = [m for m in mail.outbox if m.to == [task.system.privacy_contact_email]]
    return (
        "/" + re.search(r"https?://\S+/systems/confirm/\S+/", message.body).group(0).split("://", 1)[1].split("/", 1)[1]
    )


def test_an_access_request_waits_for_each_system_and_its_export_holds_their_answers(
    customer, officer, webhook_system, django_capture_on_commit_callbacks
):
    _desk, desk_hook = webhook_system("Support desk")
    make_system("Mail provider", connector=Recipient.Connector.EMAIL, privacy_contact_email="privacy@mail.example")
    make_system("Warehouse", connector=Recipient.Connector.MANUAL)
    make_system(
        "Print shop", connector=Recipient.Connector.EMAIL, categories_held=[], privacy_contact_email="p@x.example"
    )

    request = run(started("access", customer), django_capture_on_commit_callbacks)

    # The export waits: nothing is built until every system has answered.
    assert (request.status, request.execution_state) == (Status.IN_PROGRESS, ExecutionState.AWAITING_SYSTEMS)
    assert "export" not in request.execution
    tasks = {t.system.name: t for t in PropagationTask.objects.filter(request=request).select_related("system")}
    assert set(tasks) == {"Support desk", "Mail provider", "Warehouse"}
    assert {t.action for t in tasks.values()} == {"access"}

    assert webhooks_relay().delivered == 1
    [event] = desk_hook.received
    assert event["type"] == "privacy.request.access"
    client = Client()
    answered = callback(client, event["data"], desk_hook.secret, file_answer(CSV))
    assert answered.status_code == 200, answered.content

    link = email_link(tasks["Mail provider"], django_capture_on_commit_callbacks)
    page = client.get(link)
    assert b'enctype="multipart/form-data"' in page.content
    upload = SimpleUploadedFile("export.json", b'{"contacts": [{"email": "customer@example.test"}]}')
    assert client.post(link, {"answer": "done", "file": upload}).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        propagation_task_close(task=tasks["Warehouse"], actor=officer, reason="Decommissioned in May")
    request.refresh_from_db()
    # The last answer queued the work again; the worker now builds the export and completes.
    assert request.execution_state == ExecutionState.QUEUED
    subject_request_execute(request_id=request.pk)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED

    export = DataExport.objects.get(pk=request.execution["export"]["id"])
    with export.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        names = set(archive.namelist())
        assert {"systems/support-desk/answer.csv", "systems/mail-provider/answer.json"} <= names
        assert archive.read("systems/support-desk/answer.csv") == CSV
        warehouse = json.loads(archive.read("systems/warehouse/status.json"))
        assert (warehouse["state"], warehouse["closed_reason"]) == ("closed", "Decommissioned in May")
        assert "systems/warehouse/answer.csv" not in names
        manifest = json.loads(archive.read("manifest.json"))
        index = archive.read("index.html").decode()
        checksums = {f["name"]: f["sha256"] for f in manifest["files"]}
        for name in names - {"manifest.json"}:
            if name.startswith("systems/"):
                assert checksums[name] == hashlib.sha256(archive.read(name)).hexdigest()
                assert f'href="{name}"' in index
    assert {p["folder"] for p in manifest["parts"]} == {
        "systems/support-desk",
        "systems/mail-provider",
        "systems/warehouse",
    }
    assert "Decommissioned in May" in index
    # The stored answers are in private storage, never under public media.
    assert all(a.file.name.startswith("systems/answers/") for a in AccessAnswer.objects.all())


@pytest.mark.parametrize(
    ("answer", "status", "says"),
    [
        ({"status": "done"}, 400, "JSON or CSV file"),
        (file_answer(b"a,b\n", "xml"), 415, "json or csv"),
        (file_answer(b"\xff\xfe\x00a"), 400, "UTF-8"),
        (file_answer(b'{"a": ', "json"), 400, "not valid JSON"),
        (file_answer(b'a,"b\n', "csv"), 400, "not valid CSV"),
        (file_answer(b""), 400, "empty"),
        ({"status": "done", "file": {"format": "csv", "content_base64": "***"}}, 400, "base64"),
        ({"status": "done", "file": "a,b"}, 400, "content_base64"),
        ({"status": "nothing_held", **{"file": file_answer(CSV)["file"]}}, 400, "Only an answer of done"),
    ],
)
def test_a_bad_access_file_gets_a_clear_4xx_and_the_task_stays_open(
    answer, status, says, customer, webhook_system, django_capture_on_commit_callbacks
):
    _desk, hook = webhook_system("Support desk")
    request = run(started("access", customer), django_capture_on_commit_callbacks)
    webhooks_relay()
    response = callback(Client(), hook.received[0]["data"], hook.secret, answer)
    assert response.status_code == status, response.content
    assert says in response.json()["error"]
    task = PropagationTask.objects.get(request=request)
    assert task.state == State.SENT
    assert not AccessAnswer.objects.exists()


def test_a_file_over_the_limit_is_refused_with_413(
    settings, customer, webhook_system, django_capture_on_commit_callbacks
):
    settings.SYSTEMS_ACCESS_FILE_MAX_BYTES = 100
    _desk, hook = webhook_system("Support desk")
    run(started("access", customer), django_capture_on_commit_callbacks)
    webhooks_relay()
    response = callback(Client(), hook.received[0]["data"], hook.secret, file_answer(b"a\n" * 51))
    assert response.status_code == 413
    # A body far past the limit is refused before it is read.
    response = callback(Client(), hook.received[0]["data"], hook.secret, file_answer(b"a\n" * 60_000))
    assert response.status_code == 413


def test_an_officer_uploads_a_manual_systems_file_on_its_task(
    customer, officer, client_as, django_capture_on_commit_callbacks
):
    make_system("Warehouse", connector=Recipient.Connector.MANUAL)
    request = run(started("access", customer), django_capture_on_commit_callbacks)
    task = PropagationTask.objects.get(request=request)
    client = client_as("officer")
    url = f"/admin/systems/propagationtask/{task.pk}/change/"
    page = client.get(url)
    assert b'name="file"' in page.content
    bad = client.post(url, {"confirm": "1", "note": "Sent by their DPO", "file": SimpleUploadedFile("a.csv", b"\xff")})
    assert bad.status_code == 400
    task.refresh_from_db()
    assert task.state == State.SENT
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"confirm": "1", "note": "Sent by their DPO", "file": SimpleUploadedFile("a.csv", CSV)})
    assert done.status_code == 302
    assert AccessAnswer.objects.get(task=task).format == "csv"


def test_erasing_the_person_deletes_the_stored_answers(customer, webhook_system, django_capture_on_commit_callbacks):
    _desk, hook = webhook_system("Support desk")
    request = run(started("access", customer), django_capture_on_commit_callbacks)
    webhooks_relay()
    with django_capture_on_commit_callbacks(execute=True):
        assert callback(Client(), hook.received[0]["data"], hook.secret, file_answer(CSV)).status_code == 200
    stored = AccessAnswer.objects.get(task__request=request).file.name
    assert default_storage.exists(stored)

    erasure = run(started("erasure", customer), django_capture_on_commit_callbacks)

    assert erasure.execution.get("erasure")
    assert not AccessAnswer.objects.exists()
    assert not default_storage.exists(stored)
