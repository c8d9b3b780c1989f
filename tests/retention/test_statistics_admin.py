"""The aggregated statistics report in the admin (P-26): the page and its CSV, for officers and auditors only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from allauth.socialaccount.models import SocialAccount
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.core.clock import organisation_today
from apps.personal_data.models import DataExport
from apps.retention.domain import THRESHOLD
from apps.retention.selectors.statistics import statistics_report
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def make_customers(n: int, **fields) -> list[User]:
    return UserFactory.create_batch(n, verified_email=False, **fields)


# --- The page and the CSV ------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("officer", 200), ("auditor", 200), ("support_agent", 403), ("customer", 302), ("anonymous", 302)],
)
@pytest.mark.parametrize("url_name", ["admin:statistics", "admin:statistics_csv"])
def test_it_lets_only_officers_and_auditors_see_the_report(client_as, persona, status, url_name):
    response = client_as(persona).get(reverse(url_name))
    assert response.status_code == status
    if status == 302:
        assert "/admin/statistics/" not in response["Location"].split("?")[0]


def test_it_refuses_a_signed_in_customer_who_follows_the_redirect(client_as):
    response = client_as("customer").get(reverse("admin:statistics"), follow=True)
    assert response.status_code == 403


@pytest.mark.parametrize(("persona", "linked"), [("officer", True), ("auditor", True), ("support_agent", False)])
def test_it_links_the_report_from_the_admin_index_for_those_who_may_see_it(client_as, persona, linked):
    page = client_as(persona).get(reverse("admin:index")).content.decode()
    assert (reverse("admin:statistics") in page) is linked


def test_it_shows_the_chart_and_its_table_without_small_numbers(client_as):
    now = timezone.now()
    make_customers(7, date_joined=now)
    make_customers(25, date_joined=now - timedelta(days=40))
    response = client_as("officer").get(reverse("admin:statistics"))
    page = response.content.decode()
    assert response.status_code == 200
    # Every month is suppressed here (one small, the other to protect it): no axis with nothing on
    # it, but words saying there is not enough data yet; the table stays.
    assert 'id="statistics-chart-empty"' in page
    assert "<caption>The chart&#x27;s numbers</caption>" in page or "<caption>The chart's numbers</caption>" in page
    assert "&lt;10" in page
    assert "Download as CSV" in page
    # No bar is drawn for a suppressed month: its height would give the number away.
    chart = response.context["chart"]
    assert all(bar["height"] == 0 for bar in chart["bars"] if bar["cell"].suppressed)
    assert ">7<" not in page


def test_it_takes_24_months_and_refuses_other_periods_with_a_message(client_as):
    officer = client_as("officer")
    assert officer.get(reverse("admin:statistics"), {"months": "24"}).status_code == 200
    response = officer.get(reverse("admin:statistics"), {"months": "7"})
    assert response.status_code == 400
    assert "12, 24" in response.content.decode()
    assert officer.get(reverse("admin:statistics_csv"), {"months": "x"}).status_code == 400


def test_it_exports_the_suppressed_tables_as_csv_with_nobody_in_it(client_as, customer, other_customer):
    make_customers(12, country="VN", date_joined=timezone.now())
    people = list(User.objects.all())
    SocialAccount.objects.create(user=customer, provider="google", uid="uid-casey-4821")
    DataExport.objects.create(subject=customer)

    response = client_as("officer").get(reverse("admin:statistics_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"statistics-12-months-{organisation_today().isoformat()}.csv" in response["Content-Disposition"]
    text = response.content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["table", "dimension", "value"]
    assert {row[0] for row in rows[1:]} == {
        "accounts_by_month",
        "accounts_by_country",
        "accounts_by_signup_method",
        "requests_by_type",
    }
    assert all(len(row) == 3 for row in rows)
    values = [row[2] for row in rows[1:]]
    assert all(value in {"<10", "suppressed"} or int(value) >= THRESHOLD for value in values)
    lowered = text.lower()
    for person in people:
        for identifying in (person.email, person.full_name, str(person.reference), person.email_hash):
            if identifying:
                assert identifying.lower() not in lowered
    assert "uid-casey-4821" not in text
    assert "example.test" not in lowered


def test_it_reads_the_same_number_of_queries_however_many_accounts_there_are(client_as):
    officer = client_as("officer")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert officer.get(reverse("admin:statistics")).status_code == 200
        return len(captured)

    make_customers(3, country="GB")
    queries()  # the first request also fills per-process caches
    few = queries()
    many = make_customers(40, country="VN")
    for n, user in enumerate(many[:15]):
        SocialAccount.objects.create(user=user, provider="google", uid=f"q{n}")
    make_customers(12, country="FR", date_joined=timezone.now() - timedelta(days=70))
    assert queries() == few
    assert few <= 25


# --- Whose day (apps/core/clock.py) --------------------------------------------------------


@time_machine.travel(datetime(2026, 12, 31, 17, 30, tzinfo=UTC), tick=False)  # 1 January 00:30 in Hanoi
def test_it_counts_the_months_up_to_the_organisations_today(settings, client_as):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    report = statistics_report()
    assert (report.start, report.today) == (date(2026, 2, 1), date(2027, 1, 1))
    response = client_as("officer").get(reverse("admin:statistics_csv"))
    assert "statistics-12-months-2027-01-01.csv" in response["Content-Disposition"]


def test_it_draws_the_chart_once_a_month_is_large_enough_to_show(client_as):
    now = timezone.now()
    make_customers(12, date_joined=now)
    make_customers(15, date_joined=now - timedelta(days=40))
    page = client_as("officer").get(reverse("admin:statistics")).content.decode()
    assert '<svg role="img" aria-labelledby="statistics-chart-title statistics-chart-desc"' in page
    assert 'id="statistics-chart-empty"' not in page
