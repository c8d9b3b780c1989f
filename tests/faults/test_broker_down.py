"""Finding 4: with the broker stopped, every customer action that hands work to the worker
answers at once with success, loses nothing, and is carried out once the broker is back.

The customer actions that hand work to a worker (each writes a job row, the outbox, in its
own transaction: apps/core/jobs/):

* asking for a copy of one's data (the export job);
* filing a request of any type on Your Account (its acknowledgement job; an objection or a
  withdrawal also its execution job);
* confirming a request made on the public form (its acknowledgement job; Facebook's
  data-deletion callback files through the same intake, subject_request_create).

Deleting one's account, changing privacy choices, signing in and the public form itself
hand nothing to the worker (the daily purge erases; mail to confirm an address is sent by
the web process): they must answer at once too, with the broker (and production's cache,
the same Redis) down.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery import current_app
from django.test import Client
from django.utils import timezone
from environ import Env

from apps.core.jobs import jobs_reconcile
from apps.core.jobs.reconcile import SEND_GRACE
from apps.core.mail import mailbox_message_ids, mailbox_read
from apps.core.models import Job
from apps.personal_data.models import DataExport
from apps.retention.models import AccountDeletion
from apps.subject_requests.domain import compute
from apps.subject_requests.models import Jurisdiction, SubjectRequest
from apps.subject_requests.services.intake import subject_request_create, subject_request_issue_confirmation
from config.settings.base import fail_open_cache
from tests.helpers import reauthenticate, sign_in
from tests.helpers.faults import celery_pointed_at, reset_celery_connections, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

STRANGER = "stranger@example.test"
# The issue's budget: the customer sees success within a second.
AT_ONCE = 1.0


def timed_post(client, url: str, data: dict | None = None):
    started = time.monotonic()
    response = client.post(url, data or {})
    return response, time.monotonic() - started


def warm_up() -> None:
    """What a running web process has long done: the first deadline computation loads the
    holiday calendars (over half a second), which is no part of the broker's cost."""
    for jurisdiction in Jurisdiction.objects.all():
        compute(jurisdiction.terms("access"), received_at=timezone.now(), paused_days=0)


def acknowledgements_to(address: str) -> list[str]:
    subjects = []
    for message_id in mailbox_message_ids():
        message = mailbox_read(message_id)
        if message is not None and message["To"] == address:
            subjects.append(str(message["Subject"]))
    return subjects


def test_customer_actions_answer_at_once_while_the_broker_is_down_and_complete_when_it_is_back(
    broker, workers, client_as, customer, settings
):
    # Production's default: one Redis is the broker, the result backend and the cache.
    settings.CACHES = {"default": fail_open_cache(Env.cache_url_config(broker.url))}
    client = reauthenticate(client_as("customer"))
    client.get("/account/data/")  # a page first, as a browser would: nothing below is a first-request cost
    warm_up()
    # A visitor's request on the public form, its confirmation code emailed to them.
    stranger, _ = subject_request_create(
        request_type="access", channel="web_form", actor=None, requester_email=STRANGER, requester_name="Sam"
    )
    code = subject_request_issue_confirmation(request=stranger)
    broker.stop()

    answers = {
        "export": timed_post(client, "/account/data/"),
        "access request": timed_post(client, "/account/requests/new/access/", {"details": "Everything."}),
        "objection": timed_post(client, "/account/requests/new/objection/", {"purposes": ["marketing-email"]}),
        "privacy choice": timed_post(
            client, "/account/privacy-choices/", {"purpose": "marketing-email", "granted": "0"}
        ),
    }
    answers["public form"] = timed_post(
        Client(),
        "/privacy-request/",
        {"email": "visitor@example.test", "name": "Vi", "request_type": "access", "details": "All", "jurisdiction": ""},
    )
    answers["public request confirmed"] = timed_post(
        Client(), f"/requests/{stranger.reference}/confirm/", {"code": code}
    )
    for action, (response, took) in answers.items():
        assert response.status_code == 302, (action, response.status_code)
        assert took < AT_ONCE, f"{action} took {took:.2f}s with the broker down"

    # Nothing lost: the work and the intent to do it are both saved, waiting in the outbox.
    export = DataExport.objects.get(subject=customer)
    access = SubjectRequest.objects.get(subject=customer, request_type="access")
    objection = SubjectRequest.objects.get(subject=customer, request_type="objection")
    owed = {(job.kind, job.target): job for job in Job.objects.all()}
    assert set(owed) == {
        (DataExport.JOB_KIND, str(export.pk)),
        (SubjectRequest.ACKNOWLEDGEMENT_JOB_KIND, str(access.pk)),
        (SubjectRequest.ACKNOWLEDGEMENT_JOB_KIND, str(objection.pk)),
        (SubjectRequest.JOB_KIND, str(objection.pk)),
        (SubjectRequest.ACKNOWLEDGEMENT_JOB_KIND, str(stranger.pk)),
    }
    assert {(job.state, job.dispatched_at) for job in owed.values()} == {(Job.State.QUEUED, None)}

    # Signing in (allauth's rate limits live in the cache, down with the broker) still works.
    started = time.monotonic()
    sign_in(Client(), customer)
    assert time.monotonic() - started < AT_ONCE * 2  # two pages: the form's post and the landing

    # Deleting the account hands nothing to the worker, and answers at once too.
    response, took = timed_post(client, "/account/delete/", {"confirm": "on"})
    assert (response.status_code, took < AT_ONCE) == (302, True), (response.status_code, took)
    assert AccountDeletion.objects.filter(subject=customer).exists()

    # While the broker is still down the reconciler keeps every job for its next sweep.
    later = timezone.now() + SEND_GRACE + timedelta(seconds=1)
    assert sorted(jobs_reconcile(now=later).not_sent_now) == sorted(job.pk for job in owed.values())

    # The broker is back: beat's next sweep sends them, and a worker carries each out.
    broker.start()
    workers()
    assert jobs_reconcile(now=later).not_sent_now == []
    wait_until(
        lambda: set(Job.objects.values_list("state", flat=True)) == {Job.State.DONE},
        what="every job owed to be done",
        timeout=90,
    )
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert export.file
    access.refresh_from_db()
    objection.refresh_from_db()
    assert access.acknowledged_at is not None
    assert objection.acknowledged_at is not None
    assert len(acknowledgements_to(customer.email)) >= 2
    assert SubjectRequest.objects.get(pk=stranger.pk).acknowledged_at is not None
    assert acknowledgements_to(STRANGER)


def test_with_the_embedded_filesystem_broker_unwritable_an_export_answers_at_once_and_is_sent_later(
    client_as, customer, tmp_path
):
    """The embedded default's broker is a folder: "down" is a folder that cannot be written
    (a full disk, a folder gone). The outbox holds the job until the folder is back."""
    queue = tmp_path / "queue"
    queue.write_text("not a folder")  # every message written into it fails, even as root
    options = {"data_folder_in": str(queue), "data_folder_out": str(queue), "control_folder": str(tmp_path)}
    client = reauthenticate(client_as("customer"))
    with celery_pointed_at("filesystem://"), pytest.MonkeyPatch.context() as patch:
        patch.setitem(current_app.conf, "broker_transport_options", options)
        reset_celery_connections()
        response, took = timed_post(client, "/account/data/")
        assert (response.status_code, took < AT_ONCE) == (302, True), (response.status_code, took)
        job = Job.objects.get(kind=DataExport.JOB_KIND)
        assert (job.state, job.dispatched_at) == (Job.State.QUEUED, None)

        queue.unlink()
        queue.mkdir()
        reset_celery_connections()
        later = timezone.now() + SEND_GRACE + timedelta(seconds=1)
        assert jobs_reconcile(now=later).unsent == [job.pk]
    job.refresh_from_db()
    assert job.dispatched_at is not None
    assert len(list(queue.iterdir())) == 1  # the message, waiting for a worker
