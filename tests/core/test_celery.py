"""The Celery app's delivery guarantees, and a beat job run by a real worker."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.celery import app


def test_it_is_configured_for_at_least_once_delivery():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit


def test_it_sets_a_redis_visibility_timeout_longer_than_the_hard_limit():
    from config.settings.base import celery_transport_options

    options = celery_transport_options("redis://127.0.0.1:6379/0", None, 960)
    assert options["visibility_timeout"] > 960


def test_it_declares_every_beat_job_against_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, f"{name} points at an unknown task {entry['task']}"


@pytest.mark.worker
def test_it_clears_expired_sessions_through_a_real_worker(celery_worker_process):
    from apps.accounts.tasks import clear_expired_sessions_task

    expired = SessionStore()
    expired["who"] = "expired"
    expired.set_expiry(timezone.now() - timezone.timedelta(days=1))
    expired.create()
    live = SessionStore()
    live["who"] = "live"
    live.create()

    clear_expired_sessions_task.delay().get(timeout=60)

    assert not Session.objects.filter(session_key=expired.session_key).exists()
    assert Session.objects.filter(session_key=live.session_key).exists()


def test_it_retries_transient_database_and_broker_errors_a_bounded_number_of_times():
    from django.db import OperationalError
    from kombu.exceptions import OperationalError as BrokerOperationalError

    from apps.accounts.tasks import clear_expired_sessions_task

    assert OperationalError in clear_expired_sessions_task.autoretry_for
    assert BrokerOperationalError in clear_expired_sessions_task.autoretry_for
    assert clear_expired_sessions_task.retry_backoff
    assert 0 < clear_expired_sessions_task.max_retries <= 10


def test_a_job_whose_worker_died_is_sent_again_within_about_two_minutes(settings):
    """Finding 12: the lease (renewed by the heartbeat every quarter lease) runs out a minute
    after the worker's last sign of life, and the reconciler looks every minute."""
    from datetime import timedelta

    from celery.schedules import crontab

    from apps.core.jobs.kinds import LEASE
    from apps.core.jobs.run import BEAT_EVERY

    assert settings.JOBS_LEASE_SECONDS == 60
    assert timedelta(0) < BEAT_EVERY * 4 <= LEASE
    assert app.conf.beat_schedule["core-reconcile-jobs"]["schedule"] == crontab(minute="*")
    assert LEASE + timedelta(minutes=1) <= timedelta(minutes=2)


def test_a_redis_broker_and_result_backend_give_up_on_an_unreachable_host_within_seconds():
    """A stopped Redis refuses at once; an unreachable host would hang a customer's page for
    the operating system's TCP timeout without these (finding 4)."""
    from config.settings.base import celery_transport_options

    options = celery_transport_options("redis://10.0.0.1:6379/0", None, 960)
    assert 0 < options["socket_connect_timeout"] <= 1
    assert 1 < options["socket_timeout"] <= 5  # above kombu's one-second BRPOP poll
    assert app.conf.redis_socket_connect_timeout == options["socket_connect_timeout"]
    assert app.conf.result_backend_transport_options["retry_policy"]["max_retries"] == 1
