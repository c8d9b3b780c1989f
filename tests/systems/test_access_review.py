"""The review of access answers (issue 17): safe folder names, withheld systems left out, CSV
cells neutralised, stored answers deleted once exported (or by the proof rule), no answer
taken after the request closed or the person was erased, one callback size limit for every
reference, no orphan file after a rollback, and an export of the request's own."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.test import Client

from apps.core.clock import organisation_today
from apps.core.webhooks import webhooks_relay
from apps.disclosures.models import Disclosure, Recipient
from apps.personal_data.export.run import export_request
from apps.personal_data.models import DataExport
from apps.retention.models import PurgeRun
from apps.retention.purge import purge
from apps.subject_requests.execution import subject_request_execute
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.services.requests import subject_request_transition
from apps.systems.domain import AccessFile
from apps.systems.models import AccessAnswer, PropagationTask
from apps.systems.services import propagation_task_close, propagation_task_confirm, propagation_task_report
from tests.disclosures.factories import record
from tests.subject_requests.test_execution import run, started
from tests.systems.conftest import callback, make_system

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status
State = PropagationTask.State


def file_answer(content: bytes, fmt: str = "csv") -> dict:
    return {"status": "done", "file": {"format": fmt, "content_base64": base64.b64encode(content).decode()}}


def exported(request: SubjectRequest) -> tuple[DataExport, dict[str, bytes]]:
    request.refresh_from_db()
    export = DataExport.objects.get(pk=request.execution["export"]["id"])
    assert export.status == DataExport.Status.READY, export.last_error
    with export.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        return export, {name: archive.read(name) for name in archive.namelist()}


def stored_answer_files() -> set[str]:
    if not default_storage.exists("systems/answers"):
        return set()
    return set(default_storage.listdir("systems/answers")[1])


def answered_by_the_support_desk(customer, webhook_system, capture) -> tuple[SubjectRequest, str]:
    """An access request the support desk answered by webhook callback: the request and the
    stored answer's file name."""
    _desk, hook = webhook_system("Support desk")
    request = run(started("access", customer), capture)
    webhooks_relay()
    with capture(execute=True):
        callback(Client(), hook.received[0]["data"], hook.secret, file_answer(b"a\r\n1\r\n"))
    return request, AccessAnswer.objects.get().file.name


def test_a_system_named_with_an_underscore_gets_a_plain_folder(customer, officer, django_capture_on_commit_callbacks):
    make_system("Data_Warehouse", connector=Recipient.Connector.MANUAL)
    make_system("___", connector=Recipient.Connector.MANUAL)
    request = run(started("access", customer), django_capture_on_commit_callbacks)
    for task in PropagationTask.objects.filter(request=request):
        with django_capture_on_commit_callbacks(execute=True):
            propagation_task_confirm(
                task=task, actor=officer, note="By hand", file=AccessFile(content=b"a,b\r\n1,2\r\n", format="csv")
            )
    subject_request_execute(request_id=request.pk)
    _export, files = exported(request)
    nameless = Recipient.objects.get(name="___")
    assert "systems/data-warehouse/answer.csv" in files
    assert f"systems/system-{nameless.pk}/status.json" in files


def test_a_system_withheld_from_the_person_is_not_asked_for_their_data(
    customer, officer, django_capture_on_commit_callbacks
):
    secret = make_system("Court archive", connector=Recipient.Connector.MANUAL)
    record(actor=officer, subjects=[customer], recipient=secret, visibility=Disclosure.Visibility.WITHHELD,
           withheld_reason="The order forbids telling the subject",
           withheld_review_date=organisation_today() + timedelta(days=90))  # fmt: skip
    make_system("Support desk", connector=Recipient.Connector.MANUAL)

    request = run(started("access", customer), django_capture_on_commit_callbacks)

    names = set(PropagationTask.objects.filter(request=request).values_list("system__name", flat=True))
    assert names == {"Support desk"}
    with django_capture_on_commit_callbacks(execute=True):
        propagation_task_close(task=PropagationTask.objects.get(request=request), actor=officer, reason="Gone")
    subject_request_execute(request_id=request.pk)
    _export, files = exported(request)
    assert not any("court" in name for name in files)
    assert "Court archive" not in files["index.html"].decode()


def test_a_systems_csv_is_rewritten_with_formulas_neutralised_and_large_fields_kept(
    customer, webhook_system, django_capture_on_commit_callbacks
):
    _desk, hook = webhook_system("Support desk")
    request = run(started("access", customer), django_capture_on_commit_callbacks)
    webhooks_relay()
    large = "x" * (200 * 1024)  # past the standard library's 128 KiB field limit, within the file limit
    sent = f'ticket,link,notes\r\nT-1,"=HYPERLINK(""http://evil.example"",""open"")",{large}\r\n'.encode()
    with django_capture_on_commit_callbacks(execute=True):
        answered = callback(Client(), hook.received[0]["data"], hook.secret, file_answer(sent))
    assert answered.status_code == 200, answered.content[:300]

    subject_request_execute(request_id=request.pk)
    _export, files = exported(request)
    written = files["systems/support-desk/answer.csv"]
    assert written.startswith(b'ticket,link,notes\r\nT-1,"\'=HYPERLINK(""http://evil.example"",""open"")",')
    assert large.encode() in written
    manifest = {f["name"]: f for f in json.loads(files["manifest.json"])["files"]}
    assert manifest["systems/support-desk/answer.csv"]["sha256"] == hashlib.sha256(written).hexdigest()
    status = json.loads(files["systems/support-desk/status.json"])
    assert status["file_sha256"] == hashlib.sha256(written).hexdigest()


def test_stored_answers_are_deleted_once_the_export_holds_them(
    customer, webhook_system, django_capture_on_commit_callbacks
):
    request, stored = answered_by_the_support_desk(customer, webhook_system, django_capture_on_commit_callbacks)
    assert default_storage.exists(stored)

    with django_capture_on_commit_callbacks(execute=True):
        subject_request_execute(request_id=request.pk)

    _export, files = exported(request)
    assert files["systems/support-desk/answer.csv"] == b"a\r\n1\r\n"
    assert not AccessAnswer.objects.exists()
    assert not default_storage.exists(stored)


def test_no_answer_is_taken_after_the_request_closed(
    customer, officer, webhook_system, django_capture_on_commit_callbacks
):
    _desk, hook = webhook_system("Support desk")
    request = run(started("access", customer), django_capture_on_commit_callbacks)
    webhooks_relay()
    subject_request_transition(request=request, to_status=Status.WITHDRAWN, actor=customer, reason="No longer needed")
    before = stored_answer_files()

    answered = callback(Client(), hook.received[0]["data"], hook.secret, file_answer(b"a\r\n1\r\n"))

    assert answered.status_code == 409
    assert "closed" in answered.json()["error"]
    assert not AccessAnswer.objects.exists()
    assert stored_answer_files() == before


def test_no_answer_is_taken_after_the_person_was_erased(customer, webhook_system, django_capture_on_commit_callbacks):
    _desk, hook = webhook_system("Support desk", categories_held=["contact"])
    access = run(started("access", customer), django_capture_on_commit_callbacks)
    webhooks_relay()
    access_event = hook.received[0]["data"]
    run(started("erasure", customer), django_capture_on_commit_callbacks)
    access.refresh_from_db()
    assert access.status == Status.IN_PROGRESS  # still waiting for the system

    answered = callback(Client(), access_event, hook.secret, file_answer(b"a\r\n1\r\n"))

    assert answered.status_code == 409
    assert "erased" in answered.json()["error"]
    assert not AccessAnswer.objects.exists()


def test_the_closed_requests_proof_rule_takes_the_stored_answers_with_it(
    customer, officer, webhook_system, django_capture_on_commit_callbacks
):
    request, stored = answered_by_the_support_desk(customer, webhook_system, django_capture_on_commit_callbacks)
    # Closed without an export (an officer rejected it): the answer stays until the proof rule.
    subject_request_transition(request=request, to_status=Status.REJECTED, actor=officer, reason="Not verified.")
    closed_at = SubjectRequest.objects.get(pk=request.pk).closed_at
    assert AccessAnswer.objects.exists()

    later = closed_at + timedelta(days=3 * 365 + 2)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        purge_run = purge(triggered_by=PurgeRun.Trigger.SCHEDULE)

    assert purge_run.progress["closed-requests-proof"]["related_rows"] >= 1
    assert not AccessAnswer.objects.exists()
    assert not default_storage.exists(stored)


def test_the_callback_has_one_size_limit_for_every_reference(
    settings, customer, webhook_system, django_capture_on_commit_callbacks
):
    settings.SYSTEMS_CALLBACK_MAX_BYTES = 100
    settings.SYSTEMS_ACCESS_FILE_MAX_BYTES = 300
    body = json.dumps({"status": "done", "message": "x" * 200}).encode()  # over 100, under 100 + 400
    webhook_system("Support desk")
    request = run(started("access", customer), django_capture_on_commit_callbacks)
    task = PropagationTask.objects.get(request=request)
    unknown = Client().post(f"/systems/callback/{uuid.uuid4()}/", data=body, content_type="application/json")
    known = Client().post(f"/systems/callback/{task.reference}/", data=body, content_type="application/json")
    # Unsigned both: the same 401, whether the reference is an access task or nothing at all.
    assert (unknown.status_code, known.status_code) == (401, 401)
    too_large = Client().post(f"/systems/callback/{uuid.uuid4()}/", data=b"x" * 600, content_type="application/json")
    assert too_large.status_code == 413


def test_a_rollback_after_the_file_was_written_leaves_no_file(
    customer, webhook_system, django_capture_on_commit_callbacks
):
    _desk, _hook = webhook_system("Support desk")
    request = run(started("access", customer), django_capture_on_commit_callbacks)
    task = PropagationTask.objects.get(request=request)
    # A row already there for the open task: the new answer's INSERT fails after its file is
    # written, and the service's transaction rolls back.
    AccessAnswer.objects.create(
        task=task,
        file=ContentFile(b"a\r\n", name="old.csv"),
        format="csv",
        size_bytes=3,
        sha256="0" * 64,
        received_via="test",
    )
    before = stored_answer_files()

    with pytest.raises(IntegrityError):
        propagation_task_report(
            task=task, answer="done", via="webhook", file=AccessFile(content=b"b\r\n2\r\n", format="csv")
        )

    assert stored_answer_files() == before
    task.refresh_from_db()
    assert task.state == State.PENDING  # the answer rolled back with it


def test_an_access_request_gets_an_export_of_its_own(customer, officer, django_capture_on_commit_callbacks):
    make_system("Support desk", connector=Recipient.Connector.MANUAL)
    started_by_person = export_request(subject=customer, actor=customer, enqueue=False)  # still pending
    request = run(started("access", customer), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        propagation_task_confirm(
            task=PropagationTask.objects.get(request=request),
            actor=officer,
            note="By hand",
            file=AccessFile(content=b"a\r\n1\r\n", format="csv"),
        )
    subject_request_execute(request_id=request.pk)
    export, files = exported(request)
    assert export.pk != started_by_person.pk
    assert "systems/support-desk/answer.csv" in files


def test_the_close_form_tells_the_officer_the_person_reads_the_reason(
    customer, client_as, django_capture_on_commit_callbacks
):
    make_system("Warehouse", connector=Recipient.Connector.MANUAL)
    request = run(started("access", customer), django_capture_on_commit_callbacks)
    task = PropagationTask.objects.get(request=request)
    page = client_as("officer").get(f"/admin/systems/propagationtask/{task.pk}/change/")
    assert "may read this reason" in page.content.decode()


def test_the_access_file_messages_are_found_by_makemessages(tmp_path):
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (gettext) is not installed; makemessages could not run either")
    # makemessages runs xgettext with Django's keywords; a gettext imported under another name
    # (``gettext as _now``) is not one of them, and its words were never translated.
    source = Path(django_settings.BASE_DIR) / "apps" / "systems" / "domain.py"
    out = tmp_path / "domain.pot"
    keywords = ["--keyword=gettext_noop", "--keyword=gettext_lazy", "--keyword=ngettext_lazy:1,2"]
    keywords += ["--keyword=pgettext:1c,2", "--keyword=pgettext_lazy:1c,2", "--keyword=ngettext:1,2"]
    subprocess.run(
        ["xgettext", "--language=Python", "--from-code=UTF-8", *keywords, "-o", str(out), str(source)], check=True
    )
    extracted = out.read_text()
    assert 'msgid "The file is empty."' in extracted
    assert 'msgid "The file is not valid %(format)s: %(error)s"' in extracted
