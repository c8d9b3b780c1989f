"""Deadlines match the seeded rules across month ends, leap years, weekends and bank holidays; they
are shown as the rule's date, and a paused clock is neither overdue nor due soon."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.subject_requests.domain import add_months, compute, is_working_day
from apps.subject_requests.models import Jurisdiction, RequestType, SubjectRequest
from apps.subject_requests.selectors import deadlines as selectors
from apps.subject_requests.services.workflow import subject_request_pause
from tests.helpers.requests import file_request

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")


def deadlines(code: str, received: datetime, request_type: str = RequestType.ACCESS, paused_days: int = 0):
    terms = Jurisdiction.objects.get(code=code).terms(request_type)
    return compute(terms, received_at=received, paused_days=paused_days)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 9, 3), date(2026, 10, 5)),  # 3 October 2026 is a Saturday: Monday
        (date(2026, 3, 31), date(2026, 4, 30)),  # no 31 April: the month's last day
        (date(2025, 1, 31), date(2025, 2, 28)),  # no 31 February in a common year
        (date(2024, 1, 31), date(2024, 2, 29)),  # a leap year's 29 February
        (date(2024, 1, 29), date(2024, 2, 29)),
        (date(2024, 2, 29), date(2024, 4, 2)),  # 29 March 2024 was Good Friday, 1 April Easter Monday
        (date(2026, 3, 6), date(2026, 4, 7)),  # 6 April 2026 is Easter Monday, a bank holiday
        (date(2025, 11, 25), date(2025, 12, 29)),  # Christmas, Boxing Day, then a weekend
        (date(2026, 12, 15), date(2027, 1, 15)),  # across the year end
    ],
)
def test_it_counts_one_uk_gdpr_month_as_the_ico_does(received, due):
    assert deadlines("uk", at(received)).due_on == due


def test_eu_months_use_the_eu_rules_calendar():
    # 17 March (St Patrick's Day) is a bank holiday in Ireland, not in England.
    assert deadlines("eu", at(date(2026, 2, 17))).due_on == date(2026, 3, 18)
    assert deadlines("uk", at(date(2026, 2, 17))).due_on == date(2026, 3, 17)


def test_a_uk_extension_adds_two_months_to_the_original_date():
    result = deadlines("uk", at(date(2026, 1, 15)))
    assert result.due_on == date(2026, 2, 16)  # 15 February 2026 is a Sunday
    assert result.extended_due_on == date(2026, 4, 15)


def test_a_pause_moves_the_due_date_by_the_days_paused_but_not_the_acknowledgement():
    plain = deadlines("uk", at(date(2026, 1, 10)))
    paused = deadlines("uk", at(date(2026, 1, 10)), paused_days=5)
    assert paused.due_on == date(2026, 2, 16)  # from 15 January: 15 February is a Sunday
    assert paused.acknowledge_by == plain.acknowledge_by


def test_california_acknowledges_in_10_business_days_and_answers_in_45_calendar_days():
    result = deadlines("us-ca", at(date(2026, 1, 2), hour=18))
    assert result.acknowledge_by == date(2026, 1, 16)
    assert result.due_on == date(2026, 2, 16)  # calendar days: no move for a weekend or holiday
    assert result.extended_due_on == date(2026, 4, 2)
    # Martin Luther King Day is a holiday: ten business days from 9 January end on the 26th.
    assert deadlines("us-ca", at(date(2026, 1, 9), hour=18)).acknowledge_by == date(2026, 1, 26)
    # The clock does not stop under the CCPA.
    assert deadlines("us-ca", at(date(2026, 1, 2), hour=18), paused_days=10).due_on == date(2026, 2, 16)


def test_vietnam_acknowledges_in_2_working_days_around_the_april_holidays():
    result = deadlines("vn", at(date(2026, 4, 28), hour=3), RequestType.WITHDRAWAL)
    assert not is_working_day(date(2026, 4, 30), "VN")
    assert not is_working_day(date(2026, 5, 1), "VN")
    assert result.acknowledge_by == date(2026, 5, 4)
    assert result.due_on == date(2026, 5, 13)  # withdrawal: 15 days
    assert result.extended_due_on == date(2026, 5, 28)  # once, by 15 days


def test_vietnam_gives_other_rights_their_own_period():
    assert deadlines("vn", at(date(2026, 4, 28), hour=3), RequestType.ACCESS).due_on == date(2026, 5, 18)


def test_the_day_of_receipt_is_the_rules_local_day():
    # 20:00 UTC on 31 January is already 1 February in Hanoi.
    late = datetime(2026, 1, 31, 20, tzinfo=UTC)
    assert deadlines("vn", late).received_on == date(2026, 2, 1)
    assert deadlines("uk", late).received_on == date(2026, 1, 31)
    # And in London a request at 23:30 in summer (BST) belongs to the next day.
    summer = datetime(2026, 7, 31, 23, 30, tzinfo=UTC)
    assert deadlines("uk", summer).received_on == date(2026, 8, 1)
    assert deadlines("uk", summer).due_on == date(2026, 9, 1)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 5, 15), 12, date(2027, 5, 15)),
    ],
)
def test_add_months_keeps_the_date_or_takes_the_months_last_day(start, months, expected):
    assert add_months(start, months) == expected


# --- Shown as the rule's date; pauses ------------------------------------------------------------


def test_a_california_deadline_is_shown_as_its_legal_date_not_the_utc_one(client, customer):
    received = datetime(2025, 3, 3, 18, tzinfo=UTC)
    request = file_request(customer, received_at=received, jurisdiction=Jurisdiction.objects.get(code="us-ca"))
    assert request.due_at.astimezone(UTC).date() == date(2025, 4, 18)  # end of the 17th in Los Angeles
    assert request.due_on == date(2025, 4, 17)
    status = client.get(reverse("subject_requests:status", args=[request.reference])).content.decode()
    assert "2025-04-17" in status
    assert "2025-04-18" not in status


def test_a_pause_near_a_month_end_still_adds_its_days():
    terms = Jurisdiction.objects.get(code="uk").terms("access")
    received = datetime(2025, 1, 29, 10, tzinfo=UTC)
    assert compute(terms, received_at=received).due_on == date(2025, 2, 28)
    assert compute(terms, received_at=received, paused_days=1).due_on == date(2025, 3, 3)  # 1 March is a Saturday


def test_a_paused_request_is_neither_overdue_nor_due_soon(customer, officer):
    request = file_request(customer, received_at=timezone.now() - timedelta(days=40))
    assert selectors.overdue(SubjectRequest.objects.all()).filter(pk=request.pk).exists()
    subject_request_pause(request=request, actor=officer, reason="Which account do you mean?")
    assert not selectors.overdue(SubjectRequest.objects.all()).exists()
    assert not selectors.due_soon(SubjectRequest.objects.all()).exists()
