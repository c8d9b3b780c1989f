"""Two doors for the periodic jobs: the beat schedule and a command with --dry-run."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.personal_data.models import DataExport, ErasureRun
from config.celery import app


def _age(model, pk, minutes):
    model.objects.filter(pk=pk).update(updated_at=timezone.now() - timedelta(minutes=minutes))


@pytest.mark.django_db
def test_it_lists_stuck_runs_on_a_dry_run_and_touches_nothing(customer, capsys):
    export = DataExport.objects.create(subject=customer, status=DataExport.Status.RUNNING)
    erasure = ErasureRun.objects.create(
        subject_id=customer.pk, subject_reference="x" * 64, reason="test", status=ErasureRun.Status.RUNNING
    )
    fresh = DataExport.objects.create(subject=customer, status=DataExport.Status.PENDING)
    _age(DataExport, export.pk, 60)
    _age(ErasureRun, erasure.pk, 60)
    before = DataExport.objects.get(pk=export.pk).updated_at

    call_command("reconcile_personal_data", "--dry-run")
    result = json.loads(capsys.readouterr().out)

    assert result == {"dry_run": True, "erasures": [erasure.pk], "exports": [export.pk]}
    assert fresh.pk not in result["exports"]
    assert DataExport.objects.get(pk=export.pk).updated_at == before


@pytest.mark.django_db
def test_it_requeues_stuck_runs_and_waits_a_full_period_before_the_next_try(
    customer, capsys, django_capture_on_commit_callbacks
):
    export = DataExport.objects.create(subject=customer, status=DataExport.Status.PENDING)
    _age(DataExport, export.pk, 60)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("reconcile_personal_data")
    assert json.loads(capsys.readouterr().out)["exports"] == [export.pk]
    assert len(callbacks) == 1  # one enqueue, after commit
    call_command("reconcile_personal_data")
    assert json.loads(capsys.readouterr().out)["exports"] == []


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


def test_it_schedules_the_reconciler_and_the_export_cleanup():
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "apps.personal_data.tasks.reconcile_task" in tasks
    assert "apps.personal_data.tasks.delete_expired_exports_task" in tasks


def test_it_gives_every_task_delay_on_commit():
    from apps.personal_data.tasks import erase_subject_task, export_subject_task

    assert callable(erase_subject_task.delay_on_commit)
    assert callable(export_subject_task.delay_on_commit)


def test_the_reconciler_gives_a_queued_erasure_much_longer_than_a_running_one(customer, other_customer, capsys):
    queued = ErasureRun.objects.create(subject_id=customer.pk, subject_reference="q" * 64, reason="queued")
    running = ErasureRun.objects.create(
        subject_id=other_customer.pk, subject_reference="r" * 64, reason="running", status="running"
    )
    ErasureRun.objects.update(updated_at=timezone.now() - timedelta(minutes=30))
    call_command("reconcile_personal_data", "--dry-run")
    assert f'"erasures": [{running.pk}]' in capsys.readouterr().out
    ErasureRun.objects.filter(pk=queued.pk).update(updated_at=timezone.now() - timedelta(hours=3))
    call_command("reconcile_personal_data", "--dry-run")
    assert f'"erasures": [{queued.pk}, {running.pk}]' in capsys.readouterr().out
