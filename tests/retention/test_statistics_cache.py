"""The statistics report and the request dashboard keep their whole-table figures for a while
(apps.core.cache.remembered) and say how old they are; the dashboard's open counts stay live."""

from __future__ import annotations

import io

import pytest
import time_machine
from celery.schedules import crontab
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.cache import remembered
from apps.retention.selectors.statistics import STATISTICS_CACHE_SECONDS, STATISTICS_REFRESH_MINUTES
from apps.subject_requests.selectors.dashboard import DASHBOARD_CACHE_SECONDS, DASHBOARD_REFRESH_MINUTES
from apps.subject_requests.services.intake import subject_request_create
from config.celery import app
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
STATISTICS = reverse("admin:statistics")
DASHBOARD = reverse("admin:subject_requests_dashboard")


def test_remembered_computes_once_per_key_and_keeps_the_time():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    first = remembered("test:remembered", 60, compute)
    again = remembered("test:remembered", 60, compute)
    assert (first.value, again.value, len(calls)) == (1, 1, 1)
    assert again.as_of == first.as_of
    assert remembered("test:other", 60, compute).value == 2


def test_the_statistics_page_reuses_its_figures_and_says_when_they_were_counted(client_as):
    start = timezone.now()
    UserFactory.create_batch(12, verified_email=False, country="VN")
    client = client_as("officer")
    with time_machine.travel(start, tick=False):
        first = client.get(STATISTICS)
    assert first.status_code == 200
    assert first.context["as_of"] == start
    assert "Figures as of " in first.content.decode()
    UserFactory.create_batch(12, verified_email=False, country="FR")
    with CaptureQueriesContext(connection) as queries:
        second = client.get(STATISTICS)
    counted = second.context["report"].table("accounts_by_country")
    assert "FR" not in {cell.key for cell in counted.rows}  # the figures counted before
    assert not [q for q in queries.captured_queries if "accounts_user" in q["sql"] and "GROUP BY" in q["sql"]]
    cache.clear()  # as when the kept figures expire (Redis expires by its own clock, not a moved one)
    later = client.get(STATISTICS)
    assert "FR" in {cell.key for cell in later.context["report"].table("accounts_by_country").rows}


def test_the_dashboard_counts_open_requests_now_and_the_rest_as_of(client_as):
    client = client_as("officer")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.get(DASHBOARD).context["figures"].open_total == 0
    subject_request_create(
        request_type="access", channel="email", actor=None, subject=UserFactory(), verification_method="officer"
    )
    response = client.get(DASHBOARD)
    figures = response.context["figures"]
    assert figures.open_total == 1  # live
    assert next(row for row in figures.by_type if row.request_type == "access").received == 0  # as of the first view
    assert "counted now" in response.content.decode()
    cache.clear()  # as when the kept figures expire
    later = client.get(DASHBOARD).context["figures"]
    assert next(row for row in later.by_type if row.request_type == "access").received == 1


def test_the_refresh_jobs_compute_the_figures_before_anyone_asks(client_as):
    UserFactory.create_batch(12, verified_email=False, country="VN")
    client = client_as("officer")
    out = io.StringIO()
    call_command("refresh_statistics", "--dry-run", stdout=out)
    assert "would be recomputed in: en, vi" in out.getvalue()
    call_command("refresh_statistics", stdout=io.StringIO())
    call_command("refresh_request_dashboard", stdout=io.StringIO())
    with CaptureQueriesContext(connection) as queries:
        assert client.get(STATISTICS).status_code == 200
        assert client.get(DASHBOARD).status_code == 200
    grouped = [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    # Only the dashboard's live count of open requests by status is grouped at view time.
    assert len(grouped) == 1
    assert "subject_requests_subjectrequest" in grouped[0]


def test_beat_refreshes_the_figures_before_the_kept_ones_expire():
    schedule = app.conf.beat_schedule
    assert schedule["retention-refresh-statistics"]["schedule"] == crontab(minute=f"*/{STATISTICS_REFRESH_MINUTES}")
    assert schedule["subject-requests-refresh-dashboard"]["schedule"] == crontab(
        minute=f"*/{DASHBOARD_REFRESH_MINUTES}"
    )
    assert STATISTICS_CACHE_SECONDS > 60 * STATISTICS_REFRESH_MINUTES
    assert DASHBOARD_CACHE_SECONDS > 60 * DASHBOARD_REFRESH_MINUTES
