"""The engines' runs are background jobs (apps/core/jobs/): the one reconciler sends on an
erasure or an export whose worker died, and the daily export clean-up has its two doors."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core.jobs import job_kind, jobs_reconcile
from apps.core.models import Job
from apps.personal_data.erasure.run import ERASURE_JOB, erasure_start
from apps.personal_data.export.run import EXPORT_JOB, export_request
from apps.personal_data.models import DataExport, ErasureRun
from config.celery import app
from tests.factories import UserFactory

ACTOR = None


def _worker_died(job: Job, *, minutes: int = 2) -> None:
    moment = timezone.now() - timedelta(minutes=minutes)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, lease_owner="dead", lease_expires_at=moment)


@pytest.mark.django_db
def test_it_lists_the_runs_whose_worker_died_on_a_dry_run_and_touches_nothing(customer, other_customer, capsys):
    export = export_request(subject=customer, actor=customer, enqueue=False)
    erasure = erasure_start(subject=other_customer, actor=ACTOR, reason="test", queue=False)
    third = UserFactory()
    fresh = export_request(subject=third, actor=third, enqueue=False)
    _worker_died(export.job)
    _worker_died(erasure.job)
    before = Job.objects.get(pk=export.job.pk).updated_at

    call_command("reconcile", "--dry-run")
    result = json.loads(capsys.readouterr().out)

    assert sorted(result["lost_worker"]) == sorted([export.job.pk, erasure.job.pk])
    assert fresh.job.pk not in result["lost_worker"] + result["unsent"]
    assert Job.objects.get(pk=export.job.pk).updated_at == before


@pytest.mark.django_db
def test_it_sends_a_dead_workers_run_once_and_waits_before_the_next_try(customer):
    export = export_request(subject=customer, actor=customer, enqueue=False)
    _worker_died(export.job)
    assert jobs_reconcile().lost_worker == [export.job.pk]
    assert jobs_reconcile().lost_worker == []


@pytest.mark.django_db
def test_it_gives_a_queued_erasure_much_longer_than_an_export(customer, other_customer):
    erasure = erasure_start(subject=customer, actor=ACTOR, reason="queued")
    export = export_request(subject=other_customer, actor=other_customer)
    # Both were sent to the broker 40 minutes ago and no worker has taken them yet.
    Job.objects.update(dispatched_at=timezone.now() - timedelta(minutes=40))
    assert jobs_reconcile(dry_run=True).lost_message == [export.job.pk]
    Job.objects.filter(pk=erasure.job.pk).update(dispatched_at=timezone.now() - timedelta(hours=3))
    assert sorted(jobs_reconcile(dry_run=True).lost_message) == sorted([erasure.job.pk, export.job.pk])


@pytest.mark.django_db
def test_it_counts_expired_exports_on_a_dry_run(customer, capsys):
    DataExport.objects.create(
        subject=customer, status=DataExport.Status.READY, expires_at=timezone.now() - timedelta(days=1)
    )
    call_command("delete_expired_exports", "--dry-run")
    assert "1 expired export(s) would be deleted." in capsys.readouterr().out
    assert DataExport.objects.get().status == DataExport.Status.READY
    call_command("delete_expired_exports")
    assert DataExport.objects.get().status == DataExport.Status.EXPIRED


def test_it_schedules_the_one_reconciler_and_the_export_cleanup():
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "apps.core.tasks.reconcile_jobs_task" in tasks
    assert "apps.personal_data.tasks.delete_expired_exports_task" in tasks
    assert not {t for t in tasks if "reconcile" in t or "requeue" in t} - {"apps.core.tasks.reconcile_jobs_task"}


@pytest.mark.django_db
def test_a_run_whose_job_gives_up_shows_the_failure(customer, other_customer):
    erasure = erasure_start(subject=customer, actor=ACTOR, reason="test", queue=False)
    export = export_request(subject=other_customer, actor=other_customer, enqueue=False)
    job_kind(ERASURE_JOB).on_give_up(str(erasure.pk), "Gave up after 10 attempts. Last error: boom")
    job_kind(EXPORT_JOB).on_give_up(str(export.pk), "Gave up after 5 attempts. Last error: boom")
    erasure.refresh_from_db()
    export.refresh_from_db()
    assert erasure.status == ErasureRun.Status.FAILED
    assert erasure.last_error == "Gave up after 10 attempts. Last error: boom"
    assert export.status == DataExport.Status.FAILED
    assert export.last_error == "Gave up after 5 attempts. Last error: boom"
