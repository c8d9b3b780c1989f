"""Finding 12: a worker killed outright (SIGKILL: an OOM kill, a lost host) in the middle of an
erasure, an export or a purge has its job taken over as soon as its lease runs out, and the
work ends as an uninterrupted run would.

Nothing else would send the job again: the filesystem broker deleted the message when the
worker took it, and Redis would redeliver it only after its visibility timeout (over half an
hour). The worker's heartbeat renews a lease (JOBS_LEASE_SECONDS, 60 s in production) and the
reconciler, every minute, sends again a running job whose lease ran out: back in the queue
within about two minutes. Here the workers hold a 3-second lease, and the test calls the
reconciler (the service beat calls) until it takes the job over, so nothing waits minutes.
The workers use a Redis of the test's own as broker, as production does: the killed worker's
message stays unacknowledged there, and only the reconciler sends the job again in time.
"""

from __future__ import annotations

import signal
import time

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import LoginEvent
from apps.core.actors import SystemActor
from apps.core.bulk import insert_rows
from apps.core.jobs import jobs_reconcile
from apps.core.models import Job
from apps.personal_data.erasure.checkpoint import FINISHED
from apps.personal_data.erasure.run import erasure_start
from apps.personal_data.export.run import export_request
from apps.personal_data.models import DataExport, ErasureRun
from apps.retention.models import PurgeRun
from apps.retention.purge.checkpoint import purge_request
from tests.factories import UserFactory
from tests.helpers import stop_worker
from tests.helpers.faults import wait_until
from tests.personal_data.test_erasure import certificate_counts
from tests.personal_data.test_erasure_worker import end_state, with_login_events

pytestmark = pytest.mark.django_db(transaction=True)
ACTOR = SystemActor("tests")
LEASE_SECONDS = 3
SHORT_LEASE = {"JOBS_LEASE_SECONDS": str(LEASE_SECONDS)}


def kill(worker) -> float:
    """SIGKILL the worker and its children at once; returns when it happened."""
    stop_worker(worker, signal.SIGKILL)
    return time.monotonic()


def taken_over(job_pk: int, killed_at: float) -> float:
    """Run the reconciler as beat would until it sends the dead worker's job again; returns how
    long after the kill that was. It must be the lease, give or take a sweep."""

    def sweep() -> bool:
        found = jobs_reconcile()
        if job_pk in found.lost_worker:
            return True
        time.sleep(0.25)
        return False

    wait_until(sweep, timeout=LEASE_SECONDS + 20, what=f"the reconciler to take job {job_pk} over")
    return time.monotonic() - killed_at


def test_an_erasure_killed_midway_is_taken_over_and_ends_as_an_uninterrupted_one(workers):
    subject = with_login_events("killed-erasure@example.test", "killed", 120)
    twin = with_login_events("twin-erasure@example.test", "twin", 120)
    env = {**SHORT_LEASE, "PERSONAL_DATA_ERASURE_BATCH_SIZE": "1"}
    worker = workers(env)
    before = LoginEvent.objects.filter(user=subject).count()  # the 120 and the subject's own sign-ins
    run = erasure_start(subject=subject, actor=ACTOR, reason="fault suite")

    def midway() -> bool:
        run.refresh_from_db()
        state = run.progress.get("tables", {}).get("accounts.LoginEvent", {})
        return state.get("live_last") is not None and not state.get("live_done")

    wait_until(midway, what="the erasure to be half-way through the login history")
    killed_at = kill(worker)
    run.refresh_from_db()
    assert run.status == ErasureRun.Status.RUNNING
    assert 0 < LoginEvent.objects.filter(user=subject).count() < before

    workers(env)
    assert taken_over(run.job.pk, killed_at) < LEASE_SECONDS + 10
    wait_until(lambda: ErasureRun.objects.get(pk=run.pk).status in FINISHED, what="the erasure to finish")
    run.refresh_from_db()
    assert (run.status, run.attempts) == (ErasureRun.Status.COMPLETED, 2)

    uninterrupted = erasure_start(subject=twin, actor=ACTOR, reason="fault suite")
    wait_until(lambda: ErasureRun.objects.get(pk=uninterrupted.pk).status in FINISHED, what="the twin's erasure")
    uninterrupted.refresh_from_db()
    assert uninterrupted.attempts == 1
    assert end_state(subject.pk) == end_state(twin.pk)
    assert certificate_counts(run) == certificate_counts(uninterrupted)


def many_logins(user, count: int, *, months_ago: int = 0) -> None:
    when = timezone.now() - relativedelta(months=months_ago)
    columns = ["user_id", "occurred_at", "method", "succeeded", "user_agent", "device", "browser", "operating_system"]
    insert_rows(LoginEvent, columns, [(user.pk, when, "password", True, "Agent", "", "", "")] * count)


def test_an_export_killed_midway_is_built_again_and_matches_an_uninterrupted_one(workers):
    subject = UserFactory(email="killed-export@example.test")
    twin = UserFactory(email="twin-export@example.test")
    for user in (subject, twin):
        many_logins(user, 4000)
    exports_folder = settings.PRIVATE_STORAGE_ROOT / "exports"
    before = set(exports_folder.iterdir()) if exports_folder.is_dir() else set()
    worker = workers(SHORT_LEASE)
    export = export_request(subject=subject, actor=subject)
    job = Job.objects.get(kind=DataExport.JOB_KIND, target=str(export.pk))

    def building() -> bool:
        return DataExport.objects.filter(pk=export.pk, status=DataExport.Status.RUNNING).exists()

    wait_until(building, what="the export to be building", poll=0.005)
    # Hold the export's row: the worker builds its archive, then waits to store it (its last
    # step locks the row), so it is surely killed in the middle, whatever the machine's speed.
    with transaction.atomic():
        locked = DataExport.objects.select_for_update().get(pk=export.pk)
        assert locked.status == DataExport.Status.RUNNING, "the build finished first: give it more rows"
        time.sleep(1)
        killed_at = kill(worker)
    export.refresh_from_db()
    assert export.status == DataExport.Status.RUNNING
    assert not export.file

    workers(SHORT_LEASE)
    assert taken_over(job.pk, killed_at) < LEASE_SECONDS + 10
    wait_until(lambda: Job.objects.get(pk=job.pk).state == Job.State.DONE, what="the export's job to be done")
    export.refresh_from_db()
    job.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert (job.state, job.attempts) == (Job.State.DONE, 2)

    uninterrupted = export_request(subject=twin, actor=twin)
    wait_until(lambda: DataExport.objects.get(pk=uninterrupted.pk).status == DataExport.Status.READY, what="twin")
    uninterrupted.refresh_from_db()
    assert export.record_counts == uninterrupted.record_counts
    with export.file.open("rb") as interrupted_zip, uninterrupted.file.open("rb") as whole_zip:
        import zipfile

        assert sorted(zipfile.ZipFile(interrupted_zip).namelist()) == sorted(zipfile.ZipFile(whole_zip).namelist())
    # The dead worker's half-built archive left nothing behind: one file per export.
    stored = sorted(p.name for p in set(exports_folder.iterdir()) - before)
    assert sorted(name.rsplit("/", 1)[-1] for name in (export.file.name, uninterrupted.file.name)) == stored


def test_a_purge_killed_midway_is_taken_over_and_ends_as_an_uninterrupted_one(workers, officer):
    many_logins(UserFactory(), 600, months_ago=13)
    env = {**SHORT_LEASE, "RETENTION_PURGE_BATCH_SIZE": "3"}
    worker = workers(env)
    purge_request(actor=officer)
    run = PurgeRun.objects.get()
    job = Job.objects.get(kind=PurgeRun.JOB_KIND, target=str(run.pk))

    wait_until(lambda: 0 < LoginEvent.objects.count() < 550, what="the purge to be half-way")
    killed_at = kill(worker)
    left = LoginEvent.objects.count()
    run.refresh_from_db()
    assert run.status == PurgeRun.Status.RUNNING
    assert 0 < left < 600
    assert run.progress["login-history"]["deleted"] == 600 - left  # every committed batch was counted

    workers(env)
    assert taken_over(job.pk, killed_at) < LEASE_SECONDS + 10
    wait_until(lambda: Job.objects.get(pk=job.pk).state == Job.State.DONE, what="the purge's job to be done")
    run.refresh_from_db()
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.DONE, 2)

    # An uninterrupted run over the same data, for comparison.
    many_logins(UserFactory(), 600, months_ago=13)
    purge_request(actor=officer)
    whole = PurgeRun.objects.exclude(pk=run.pk).get()
    wait_until(lambda: PurgeRun.objects.get(pk=whole.pk).status != PurgeRun.Status.RUNNING, what="the second purge")
    whole.refresh_from_db()
    assert run.status == whole.status == PurgeRun.Status.COMPLETED
    assert run.progress["login-history"]["deleted"] == whole.progress["login-history"]["deleted"] == 600
    assert LoginEvent.objects.count() == 0
