"""The aggregated statistics report (P-26): suppressed aggregates only, for officers and auditors."""

from __future__ import annotations

import csv
import io
import itertools
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
from apps.personal_data.models import DataExport, ErasureRun
from apps.retention.domain import COMPLEMENTARY, SMALL, THRESHOLD, suppress
from apps.retention.models import AccountDeletion
from apps.retention.selectors import statistics
from apps.retention.selectors.statistics import statistics_report
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 20)


def joined(year: int, month: int, day: int = 10) -> datetime:
    return timezone.make_aware(datetime(year, month, day, 12, 0))


def make_customers(n: int, **fields) -> list[User]:
    return UserFactory.create_batch(n, verified_email=False, **fields)


def shown(cells) -> dict[str, str]:
    return {cell.key: cell.display for cell in cells}


# --- Suppression ---------------------------------------------------------------------


def test_it_shows_nine_as_under_ten_and_ten_as_ten():
    cells, total = suppress([("a", "A", 10), ("b", "B", 12)])
    assert shown(cells) == {"a": "10", "b": "12"}
    assert total.display == "22"

    cells, total = suppress([("a", "A", 9), ("b", "B", 12), ("c", "C", 15)])
    assert cells[0].display == "<10"
    assert cells[0].count is None
    assert cells[0].suppressed == SMALL
    assert THRESHOLD == 10


def test_it_hides_the_next_smallest_cell_when_only_one_is_small():
    cells, total = suppress([("a", "A", 9), ("b", "B", 40), ("c", "C", 12), ("d", "D", 30)])
    assert shown(cells) == {"a": "<10", "b": "40", "c": "suppressed", "d": "30"}
    assert cells[2].suppressed == COMPLEMENTARY
    assert cells[2].count is None
    # The total minus the shown cells is 21: the 9 cannot be told from the 12.
    assert total.display == "91"


def test_it_keeps_hiding_until_the_hidden_cells_hold_at_least_ten_people():
    # Two small cells of 1 and 2 would be pinned to "3 between them" by the total.
    cells, total = suppress([("a", "A", 1), ("b", "B", 2), ("c", "C", 40), ("d", "D", 50)])
    assert shown(cells) == {"a": "<10", "b": "<10", "c": "suppressed", "d": "50"}
    assert total.display == "93"


def test_it_hides_a_total_under_ten_and_a_lone_small_cell():
    cells, total = suppress([("a", "A", 4)])
    assert shown(cells) == {"a": "<10"}
    assert total.display == "<10"
    assert total.count is None

    cells, total = suppress([("a", "A", 3), ("b", "B", 4)])
    assert shown(cells) == {"a": "<10", "b": "<10"}
    assert total.display == "<10"


def test_it_never_lets_a_hidden_cell_be_worked_out_from_what_is_shown():
    values = (0, 1, 5, 9, 10, 11, 30)
    for counts in itertools.product(values, repeat=3):
        items = [(str(i), str(i), n) for i, n in enumerate(counts)]
        cells, total = suppress(items)
        hidden = [n for cell, n in zip(cells, counts, strict=True) if cell.count is None]
        assert all(cell.count is None for cell, n in zip(cells, counts, strict=True) if n < THRESHOLD), counts
        if hidden and total.count is not None:
            assert len(hidden) >= 2, counts
            assert sum(hidden) >= THRESHOLD, counts
        if total.count is None:
            assert sum(counts) < THRESHOLD, counts
            assert all(cell.count is None for cell in cells), counts


# --- The tables ----------------------------------------------------------------------


def test_it_counts_customers_by_sign_up_month_with_closed_accounts_and_without_staff():
    make_customers(9, date_joined=joined(2025, 3))
    make_customers(11, date_joined=joined(2025, 4))
    make_customers(12, date_joined=joined(2025, 5))
    make_customers(2, date_joined=joined(2025, 5), status=User.Status.CLOSED, closed_at=joined(2025, 6), country="")
    make_customers(5, date_joined=joined(2025, 5), is_staff=True)
    make_customers(20, date_joined=joined(2024, 5))  # before the 12 months

    table = statistics_report(today=TODAY).table("accounts_by_month")
    cells = {cell.key: cell.display for cell in table.rows}
    assert list(cells)[::11] == ["2024-07", "2025-06"]
    assert cells["2025-03"] == "<10"
    assert cells["2025-05"] == "14"  # closed accounts still count as sign-ups; staff do not
    assert table.total.display == "34"
    # The empty months and the 9 hold nine people between them, which the total would give
    # away, so the next smallest month is hidden too.
    assert cells["2025-04"] == "suppressed"
    assert cells["2024-07"] == "<10"

    assert len(statistics_report(months=24, today=TODAY).table("accounts_by_month").rows) == 24
    with pytest.raises(ValueError, match="months must be one of"):
        statistics_report(months=7, today=TODAY)


def test_it_pools_small_countries_and_counts_open_accounts_only():
    make_customers(12, country="GB")
    make_customers(10, country="VN")
    make_customers(4, country="FR")
    make_customers(7, country="DE")
    make_customers(3, country="")
    make_customers(15, country="", status=User.Status.CLOSED, closed_at=timezone.now())

    table = statistics_report(today=TODAY).table("accounts_by_country")
    cells = {cell.key: cell.display for cell in table.rows}
    assert cells == {"GB": "12", "VN": "suppressed", "other": "11", "not_given": "<10"}
    assert not {"FR", "DE"} & set(cells)
    assert any(cell.label == "United Kingdom" for cell in table.rows)
    # One small cell, so the next smallest (VN, 10) is hidden with it.
    assert table.total.display == "36"
    assert {cell.key for cell in table.rows if cell.suppressed} == {"not_given", "VN"}


def test_it_counts_sign_up_methods_from_the_first_linked_login():
    google = make_customers(11)
    facebook = make_customers(3)
    make_customers(10)
    for n, user in enumerate(google):
        SocialAccount.objects.create(user=user, provider="google", uid=f"g{n}")
    for n, user in enumerate(facebook):
        SocialAccount.objects.create(user=user, provider="facebook", uid=f"f{n}")
    # Linked Facebook after signing up with Google: still a Google sign-up.
    SocialAccount.objects.create(user=google[0], provider="facebook", uid="later")

    table = statistics_report(today=TODAY).table("accounts_by_signup_method")
    cells = {cell.key: cell.display for cell in table.rows}
    assert cells == {"google": "11", "facebook": "<10", "email": "suppressed"}
    assert table.total.display == "24"


def test_it_counts_requests_by_type_from_the_registered_providers():
    person = UserFactory()
    old = timezone.make_aware(datetime(2023, 1, 1))
    for _n in range(12):
        DataExport.objects.create(subject=person)
    stale = DataExport.objects.create(subject=person)
    DataExport.objects.filter(pk=stale.pk).update(created_at=old)
    for n in range(10):
        ErasureRun.objects.create(subject_id=1000 + n, subject_reference=f"ref-{n}", reason="request")
    for n in range(5):
        ErasureRun.objects.create(subject_id=2000 + n, subject_reference=f"dry-{n}", reason="preview", dry_run=True)
    for n in range(11):
        AccountDeletion.objects.create(subject_reference=f"del-{n}", erase_after=timezone.now())

    def complaints(since):
        return {"Complaints": 30}

    statistics.register_request_counter(complaints)
    try:
        table = statistics_report().table("requests_by_type")
    finally:
        statistics._request_counters.remove(complaints)
    cells = {cell.label: cell.display for cell in table.rows}
    assert cells == {"Data exports": "12", "Erasures": "10", "Account deletions": "11", "Complaints": "30"}
    assert table.total.display == "63"


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
    assert '<svg role="img" aria-labelledby="statistics-chart-title statistics-chart-desc"' in page
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
