"""An erasure that reaches other systems through a real Celery worker: the worker is killed
in the middle, a receiver fails twice, and the request still ends complete, told to each
system once, with all three on the certificate."""

from __future__ import annotations

import re
import signal
import time
from datetime import timedelta

import pytest
from celery import current_app
from django.test import Client
from django.utils import timezone

from apps.core.jobs import jobs_reconcile
from apps.core.mail import mailbox_message_ids, mailbox_read
from apps.core.models import Job, WebhookEvent
from apps.disclosures.models import Recipient
from apps.personal_data.models import ErasureRun
from apps.subject_requests.models import SubjectRequest
from apps.systems.models import PropagationTask
from tests.helpers import start_worker, stop_worker
from tests.personal_data.test_erasure_worker import with_login_events
from tests.subject_requests.test_execution import started
from tests.systems.conftest import callback, make_system

pytestmark = pytest.mark.worker
WORKER_ENV = {"EMAIL_BACKEND": "apps.core.mail.MailboxBackend", "PERSONAL_DATA_ERASURE_BATCH_SIZE": "1"}


def wait_until(condition, *, timeout: float = 240, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def workers(transactional_db):
    started_: list = []

    def start(concurrency: int = 1):
        started_.append(start_worker(env=WORKER_ENV, concurrency=concurrency))
        return started_[-1]

    yield start
    for process in started_:
        stop_worker(process)


def confirm_link() -> str | None:
    for message_id in mailbox_message_ids():
        message = mailbox_read(message_id)
        if message is None or message["To"] != "dpo@desk.example":
            continue
        found = re.search(r"https?://\S+?(/systems/confirm/\S+/)", message.get_body().get_content())
        if found:
            return found.group(1)
    return None


def test_an_erasure_survives_a_killed_worker_and_a_failing_receiver_and_completes_when_all_confirmed(
    workers, webhook_system
):
    _mailer, mailer_hook = webhook_system("Mail provider")
    _warehouse, warehouse_hook = webhook_system("Data warehouse", fail_first=2)
    make_system("Support desk", connector=Recipient.Connector.EMAIL, privacy_contact_email="dpo@desk.example")
    subject = with_login_events("leaving@example.test", "leaving", 300)
    worker = workers()

    request = started("erasure", subject)

    def mid_erasure():
        run = ErasureRun.objects.filter(request_reference=str(request.reference)).first()
        state = (run.progress.get("tables", {}).get("accounts.LoginEvent", {}) if run else {}) or {}
        return state.get("live_last") is not None and not state.get("live_done")

    wait_until(mid_erasure, what="the erasure to be half done")
    stop_worker(worker, signal.SIGKILL)
    # The systems were told with the step that started the erasure: tasks and events are there.
    assert PropagationTask.objects.filter(request=request).count() == 3
    assert WebhookEvent.objects.count() == 2

    workers(concurrency=2)
    # What beat does every minute: the reconciler sends the dead worker's jobs again (their
    # lease has run out by then) and the relay sends the events still due.
    Job.objects.filter(state=Job.State.RUNNING).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    Job.objects.filter(state=Job.State.QUEUED).update(dispatched_at=timezone.now() - timedelta(hours=1))
    jobs_reconcile()
    current_app.send_task("apps.core.tasks.relay_webhooks_task", ignore_result=True)

    wait_until(lambda: mailer_hook.received and len(warehouse_hook.received) >= 3, what="both webhooks")
    assert len(set(warehouse_hook.ids)) == 1
    wait_until(lambda: not PropagationTask.objects.filter(request=request, state="pending").exists(), what="told")
    link = wait_until(confirm_link, what="the emailed instructions")

    client = Client()
    assert callback(client, mailer_hook.received[0]["data"], mailer_hook.secret, {"status": "done"}).status_code == 200
    answer = callback(client, warehouse_hook.received[0]["data"], warehouse_hook.secret, {"status": "done"})
    assert answer.status_code == 200
    assert client.post(link, {"answer": "nothing_held"}).status_code == 200

    def completed():
        request.refresh_from_db()
        return request.status == SubjectRequest.Status.COMPLETED

    wait_until(completed, what="the request to complete")
    assert len(mailer_hook.received) == 1  # told once, whatever was killed and sent again
    run = ErasureRun.objects.get(request_reference=str(request.reference))
    assert run.attempts >= 2
    assert {s["system"] for s in run.certificate["systems"]} == {"Mail provider", "Data warehouse", "Support desk"}
    assert all(s["told_at"] and s["answered_at"] for s in run.certificate["systems"])
