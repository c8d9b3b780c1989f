"""The aggregated statistics report (P-26): suppression and the tables, suppressed aggregates only."""

from __future__ import annotations

import itertools
from datetime import date, datetime

import pytest
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone

from apps.accounts.models import User
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
