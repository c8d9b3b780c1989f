"""The Celery app for workers and beat.

One configuration for both ways of running: the embedded default uses kombu's
filesystem broker under var/ (no server to install), production uses Redis. Delivery
is at-least-once: tasks are acknowledged after they run and requeued when a worker
dies, so every task in the project must be safe to run twice.

All settings live in Django settings under the CELERY_ prefix (config/settings/base.py).
"""

import os
from pathlib import Path

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.schedules import crontab
from celery.signals import beat_init, worker_init
from kombu.exceptions import OperationalError as BrokerOperationalError

# Production unless told otherwise, like config/wsgi.py: a worker started without the variable
# refuses to start instead of running DEBUG with the published local key. `make run` and the
# Procfile name the local settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")


class PortalTask(DjangoTask):
    """Base for every task (with Django's ``delay_on_commit``): transient database or broker errors are retried with
    exponential backoff and jitter, a bounded number of times, then the task fails
    visibly instead of looping."""

    autoretry_for: tuple[type[BaseException], ...] = (BrokerOperationalError,)  # database errors: on_bound
    retry_backoff = 2
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 5

    @classmethod
    def on_bound(cls, app: Celery) -> None:
        from django.db import InterfaceError, OperationalError

        cls.autoretry_for = (BrokerOperationalError, OperationalError, InterfaceError)


app = Celery("privacy_portal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")

# The beat schedule, declared once. Each entry is a re-runnable service that also
# has a management command (README, "Architecture": a periodic job has two doors).
app.conf.beat_schedule = {
    "core-reconcile-jobs": {
        # Background jobs never sent (broker down), whose message or worker was lost; `manage.py reconcile`.
        "task": "apps.core.tasks.reconcile_jobs_task",
        "schedule": crontab(minute="*"),
    },
    "accounts-clear-expired-sessions": {
        "task": "apps.accounts.tasks.clear_expired_sessions_task",
        "schedule": crontab(hour=2, minute=30),
    },
    "disclosures-anchor-head": {
        "task": "apps.disclosures.tasks.anchor_head_task",
        "schedule": crontab(hour=0, minute=5),
    },
    "consent-send-due-mailings": {
        # Scheduled mailings whose time has come (policy notices), and sends a dead worker left.
        "task": "apps.consent.tasks.send_due_mailings_task",
        "schedule": crontab(minute="*/10"),
    },
    "retention-purge": {
        # Every enabled retention rule (the engine in apps/retention/purge/); `manage.py purge` is the other door.
        "task": "apps.retention.tasks.purge_task",
        "schedule": crontab(hour=4, minute=0),
    },
    "retention-refresh-statistics": {
        # The statistics report's figures, before the kept ones expire; `manage.py refresh_statistics`.
        "task": "apps.retention.tasks.refresh_statistics_task",
        "schedule": crontab(minute="*/10"),  # STATISTICS_REFRESH_MINUTES
    },
    "subject-requests-refresh-dashboard": {
        # The request dashboard's all-time figures; `manage.py refresh_request_dashboard`.
        "task": "apps.subject_requests.tasks.refresh_dashboard_task",
        "schedule": crontab(minute="*/5"),  # DASHBOARD_REFRESH_MINUTES
    },
    "retention-remind-hold-reviews": {
        # Legal holds whose review date passed (P-42); `manage.py remind_hold_reviews` is the other door.
        "task": "apps.retention.tasks.remind_hold_reviews_task",
        "schedule": crontab(hour=7, minute=30),
    },
    "subject-requests-remind": {
        # Officers' daily digest of requests due within 3 days and overdue; `manage.py remind_subject_requests`.
        "task": "apps.subject_requests.tasks.remind_task",
        "schedule": crontab(hour=8, minute=0),
    },
    "breaches-remind-clocks": {
        # Each open breach's clocks: reminders at their hours and once when overdue; `manage.py remind_breach_clocks`.
        # Every 15 minutes, so a "1 hour left" reminder comes at most a quarter of an hour late.
        "task": "apps.breaches.tasks.remind_breach_clocks_task",
        "schedule": crontab(minute="*/15"),
    },
    "core-relay-webhooks": {
        # Signed webhooks due (apps/core/webhooks/): retries, and what the after-commit nudge missed.
        "task": "apps.core.tasks.relay_webhooks_task",
        "schedule": crontab(minute="*"),
    },
    "systems-remind": {
        # Systems told of a request and silent: reminders before their deadline, officers after it;
        # `manage.py remind_systems` is the other door.
        "task": "apps.systems.tasks.remind_task",
        "schedule": crontab(minute=15),
    },
    "personal-data-delete-expired-exports": {
        "task": "apps.personal_data.tasks.delete_expired_exports_task",
        "schedule": crontab(hour=3, minute=15),
    },
}
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_weak_keys(**kwargs: object) -> None:
    # As config/wsgi.py does: a worker or beat must not start where a key check fails (apps.core.checks).
    import django
    from django.core.exceptions import ImproperlyConfigured

    django.setup()
    from apps.core.checks import refuse_weak_keys

    try:
        refuse_weak_keys()
    except ImproperlyConfigured as refused:
        # Celery logs and swallows a signal handler's exceptions; leaving the process is what stops it.
        raise SystemExit(str(refused)) from refused


@app.on_after_configure.connect
def _create_filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    # kombu's filesystem transport expects its folders to exist...
    options = sender.conf.broker_transport_options or {}
    keys = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")
    folders = [options[key] for key in keys if options.get(key)]
    # ... and so does the file result backend.
    result_backend = sender.conf.result_backend or ""
    if result_backend.startswith("file://"):
        folders.append(result_backend.removeprefix("file://"))
    for folder in folders:
        Path(folder).mkdir(parents=True, exist_ok=True)
