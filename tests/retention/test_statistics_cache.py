"""The statistics report and the request dashboard keep their whole-table figures for a while
(apps.core.cache.remembered) and say how old they are; the dashboard's open counts stay live."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.cache import remembered
from apps.retention.selectors.statistics import STATISTICS_CACHE_SECONDS
from apps.subject_requests.selectors.dashboard import DASHBOARD_CACHE_SECONDS
from apps.subject_requests.services.intake import subject_request_create
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
    with time_machine.travel(start + timedelta(seconds=STATISTICS_CACHE_SECONDS + 1), tick=False):
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
    with time_machine.travel(start + timedelta(seconds=DASHBOARD_CACHE_SECONDS + 1), tick=False):
        later = client.get(DASHBOARD).context["figures"]
    assert next(row for row in later.by_type if row.request_type == "access").received == 1
