"""Dashboard figures and the yearly CSV: counted in SQL, never a row per person."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.selectors import dashboard as metrics
from apps.subject_requests.services.intake import subject_request_create
from apps.subject_requests.services.requests import subject_request_transition
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status
DASHBOARD = reverse("admin:subject_requests_dashboard")
CSV = reverse("admin:subject_requests_dashboard_csv")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def filed(request_type: str, received: datetime, *, closed_after: float | None = None, to: str = Status.COMPLETED):
    """A request received at ``received`` and, when ``closed_after`` (days) is given, closed then."""
    with time_machine.travel(received, tick=False):
        request, _ = subject_request_create(
            request_type=request_type,
            channel="email",
            actor=None,
            subject=UserFactory(),
            verification_method="officer",
        )
    if closed_after is not None:
        with time_machine.travel(received + timedelta(days=closed_after), tick=False):
            subject_request_transition(request=request, to_status=Status.IN_PROGRESS, actor=None, reason="Started")
            subject_request_transition(request=request, to_status=to, actor=None, reason="Done for the test")
    return request


@pytest.fixture
def history():
    # 2025: three access requests closed after 2, 4 and 30 days (median 4); one erasure denied after 10.
    filed("access", datetime(2025, 3, 3, 9, tzinfo=UTC), closed_after=2)
    filed("access", datetime(2025, 4, 1, 9, tzinfo=UTC), closed_after=4)
    filed("access", datetime(2025, 5, 1, 9, tzinfo=UTC), closed_after=45)  # late (due in a month)
    filed("erasure", datetime(2025, 6, 2, 9, tzinfo=UTC), closed_after=10, to=Status.REJECTED)
    # 2026: two access requests closed after 1 and 3 days (median 2), one open and overdue, one due soon.
    filed("access", datetime(2026, 1, 5, 9, tzinfo=UTC), closed_after=1)
    filed("access", datetime(2026, 2, 2, 9, tzinfo=UTC), closed_after=3)
    filed("complaint", datetime(2026, 4, 1, 9, tzinfo=UTC))  # overdue by 15 June
    filed("erasure", datetime(2026, 5, 18, 9, tzinfo=UTC))  # due 18 June: within the week
    # Never counted: awaiting confirmation from the public form.
    with time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC), tick=False):
        subject_request_create(request_type="access", channel="web_form", actor=None, requester_email="x@example.test")


def test_it_computes_the_yearly_figures_per_type(history):
    rows = {(row.year, row.request_type): row for row in metrics.yearly()}
    assert set(rows) == {(2025, "access"), (2025, "erasure"), (2026, "access"), (2026, "complaint"), (2026, "erasure")}
    access_2025 = rows[(2025, "access")]
    assert (access_2025.received, access_2025.complied, access_2025.denied, access_2025.median_days) == (3, 3, 0, 4.0)
    erasure_2025 = rows[(2025, "erasure")]
    assert (erasure_2025.received, erasure_2025.complied, erasure_2025.denied, erasure_2025.median_days) == (
        1,
        0,
        1,
        10.0,
    )
    assert rows[(2026, "access")].median_days == 2.0  # an even count: the mean of the middle two
    assert rows[(2026, "complaint")].median_days is None


def test_it_fetches_only_the_middle_durations(history):
    with CaptureQueriesContext(connection) as captured:
        medians = metrics.median_days_to_close(metrics.counted_requests(), "request_type")
    assert len(captured) == 1
    assert medians == {("access",): 3.0, ("erasure",): 10.0}


def test_it_computes_the_dashboard(history):
    with time_machine.travel(NOW, tick=False):
        figures = metrics.dashboard()
    assert dict(figures.open_by_status)["Open"] == 2
    assert dict(figures.open_by_status)["Awaiting verification"] == 1
    assert (figures.due_this_week, figures.overdue) == (1, 1)
    assert (figures.closed, figures.closed_on_time) == (6, 5)
    assert figures.on_time_share == 83.3
    by_type = {row.request_type: row for row in figures.by_type}
    assert (by_type["access"].received, by_type["access"].median_days) == (5, 3.0)
    months = {row["month"].isoformat(): row["count"] for row in figures.months}
    assert len(months) == 12
    assert months["2026-01-01"] == 1
    assert months["2026-06-01"] == 0  # the public-form request is not counted until confirmed
    assert "2025-06-01" not in months


@pytest.mark.parametrize(("persona", "status"), [("officer", 200), ("auditor", 200), ("support_agent", 403)])
def test_it_shows_the_dashboard_to_officers_and_auditors(client_as, persona, status):
    assert client_as(persona).get(DASHBOARD).status_code == status
    assert client_as(persona).get(CSV).status_code == status


def test_the_dashboard_page_shows_the_figures_and_chart(client_as, history):
    with time_machine.travel(NOW, tick=True):
        body = client_as("officer").get(DASHBOARD).content.decode()
    assert '<td id="dashboard-overdue"><strong style="color:#ba2121">1</strong></td>' in body
    assert '<td id="dashboard-due">1</td>' in body
    assert "83.3%" in body
    assert "<svg" in body
    assert "January 2026" in body
    assert "@example.test" not in body  # figures only, no person


def test_the_index_links_to_the_dashboard(client_as):
    assert DASHBOARD in client_as("officer").get(reverse("admin:index")).content.decode()
    assert DASHBOARD not in client_as("support_agent").get(reverse("admin:index")).content.decode()


def test_the_csv_has_a_row_per_year_and_type(client_as, history):
    response = client_as("auditor").get(CSV)
    assert response["Content-Disposition"].startswith('attachment; filename="subject-requests-yearly-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["year", "type", "received", "complied", "denied", "median_days_to_close"]
    assert ["2025", "access", "3", "3", "0", "4.0"] in rows
    assert ["2025", "erasure", "1", "0", "1", "10.0"] in rows
    assert ["2026", "complaint", "1", "0", "0", ""] in rows
    assert len(rows) == 6


def test_the_statistics_report_counts_requests_per_type(customer, other_customer):
    from datetime import timedelta

    from django.utils import timezone

    from apps.retention.selectors.statistics import requests_by_type
    from apps.subject_requests.services.intake import subject_request_create

    for person in (customer, other_customer):
        subject_request_create(
            request_type="access", channel="account", actor=person, subject=person, verification_method="signed_in"
        )
    table = requests_by_type(since=timezone.now() - timedelta(days=30))
    access = next(cell for cell in table.rows if str(cell.label) == "Access to my data")
    assert access.count is None  # two people: a small cell, never shown
    assert access.display == "<10"


# --- Whose day (apps/core/clock.py) ---------------------------------------------------------------

# 17:30 UTC on 31 December: already 00:30 on 1 January in Hanoi, still the 31st in UTC.
NEW_YEAR_IN_HANOI = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)


@time_machine.travel(NEW_YEAR_IN_HANOI, tick=False)
def test_it_counts_the_months_and_years_up_to_the_organisations_today(settings, client_as):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    filed("access", datetime(2026, 6, 1, 9, tzinfo=UTC))
    filed("access", NEW_YEAR_IN_HANOI - timedelta(minutes=10))  # 00:20 on 1 January in Hanoi

    months = metrics.dashboard().months
    assert (months[0]["month"], months[-1]) == (date(2026, 2, 1), {"month": date(2027, 1, 1), "count": 1})
    assert [(row.year, row.received) for row in metrics.yearly(years=1)] == [(2027, 1)]
    response = client_as("auditor").get(CSV)
    assert 'filename="subject-requests-yearly-2027-01-01.csv"' in response["Content-Disposition"]


def test_the_dashboard_says_there_is_not_enough_data_yet_without_requests(client_as):
    body = client_as("officer").get(reverse("admin:subject_requests_dashboard")).content.decode()
    assert 'id="dashboard-chart-empty"' in body
    assert "dashboard-chart-title" not in body
    assert 'id="dashboard-months"' in body
