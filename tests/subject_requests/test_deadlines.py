"""Deadlines match the seeded rules across month ends, leap years, weekends and bank holidays; they
are shown as the rule's date, and a paused clock is neither overdue nor due soon."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
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
    # The rule in force on the day it was received (Vietnam's decrees change on 1 January 2026).
    terms = Jurisdiction.objects.get(code=code).terms(request_type, received)
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


@pytest.mark.parametrize(
    ("received", "due", "extended"),
    [
        # The ICO: an extension gives up to three months counted from receipt, not two months
        # added to the first due date (which would give 28 April in both cases).
        (date(2025, 1, 31), date(2025, 2, 28), date(2025, 4, 30)),
        (date(2026, 1, 30), date(2026, 3, 2), date(2026, 4, 30)),  # 28 February 2026 is a Saturday
        (date(2026, 1, 15), date(2026, 2, 16), date(2026, 4, 15)),
        (date(2026, 11, 30), date(2026, 12, 30), date(2027, 3, 1)),  # 28 February 2027 is a Sunday
    ],
)
def test_a_uk_extension_runs_three_months_from_receipt_as_the_ico_counts(received, due, extended):
    result = deadlines("uk", at(received))
    assert (result.due_on, result.extended_due_on) == (due, extended)


def test_an_eu_extension_runs_three_months_from_receipt_to_a_working_day():
    # 30 April 2027 is a Friday. 1 August 2027 is a Sunday and Monday 2 August an Irish bank
    # holiday, so the period ends on Tuesday 3 August (Regulation 1182/71 Art. 3(4)).
    assert deadlines("eu", at(date(2027, 1, 31))).extended_due_on == date(2027, 4, 30)
    assert deadlines("eu", at(date(2027, 5, 1))).extended_due_on == date(2027, 8, 3)


def test_an_extension_from_receipt_still_adds_the_days_the_clock_stood_still():
    assert deadlines("uk", at(date(2025, 1, 31)), paused_days=3).extended_due_on == date(
        2025, 5, 6
    )  # 5 May: bank holiday


def test_california_extends_to_90_calendar_days_from_receipt():
    # §7021(b): "a maximum total of 90 calendar days from the day the request is received".
    result = deadlines("us-ca", at(date(2025, 1, 31), hour=18))
    assert result.due_on == date(2025, 3, 17)
    assert result.extended_due_on == date(2025, 5, 1)


def test_california_business_days_do_not_skip_commemorative_days():
    # The holidays library lists 15 February 2024 (Susan B. Anthony Day) for California; offices
    # are open, so it is a business day: received Friday 9 February, acknowledged by Monday the 26th
    # (19 February, Presidents' Day, is a state holiday).
    assert is_working_day(date(2024, 2, 15), "US-CA")
    assert not is_working_day(date(2024, 2, 19), "US-CA")
    assert deadlines("us-ca", at(date(2024, 2, 9), hour=18)).acknowledge_by == date(2024, 2, 26)
    # Cesar Chavez Day, observed on Monday 1 April 2024, stays a holiday.
    assert not is_working_day(date(2024, 4, 1), "US-CA")


@pytest.mark.parametrize(
    ("day", "business_day"),
    [
        # Days on which California's state offices stay open: business days (review finding 16).
        (date(2024, 2, 15), True),  # Susan B. Anthony Day, commemorative only
        (date(2024, 2, 12), True),  # Lincoln Day (Gov. Code §6700), not an office closure
        (date(2025, 6, 19), True),  # Juneteenth (§6700 since AB 1655): a personal holiday, offices open
        (date(2026, 6, 19), True),
        (date(2027, 6, 18), True),  # Juneteenth observed, on the Friday before a Saturday 19 June
        (date(2027, 10, 29), True),  # Diwali (§6700 since AB 268 of 2025): offices open
        (date(2028, 10, 17), True),
        # The state holidays on which offices close stay holidays, observed days included.
        (date(2024, 1, 1), False),  # New Year's Day
        (date(2024, 1, 15), False),  # Martin Luther King Jr. Day
        (date(2024, 2, 19), False),  # Presidents' Day
        (date(2024, 4, 1), False),  # Cesar Chavez Day, observed on the Monday
        (date(2024, 5, 27), False),  # Memorial Day
        (date(2024, 7, 4), False),  # Independence Day
        (date(2026, 7, 3), False),  # Independence Day, observed on the Friday
        (date(2024, 9, 2), False),  # Labor Day
        (date(2024, 11, 11), False),  # Veterans Day
        (date(2024, 11, 28), False),  # Thanksgiving Day
        (date(2024, 11, 29), False),  # the day after Thanksgiving
        (date(2024, 12, 25), False),  # Christmas Day
    ],
)
def test_california_counts_the_days_state_offices_are_open(day, business_day):
    assert is_working_day(day, "US-CA") is business_day


def test_californias_holidays_are_exactly_the_state_office_closures():
    # A new day in the holidays library's US-CA calendar must be decided on, not counted silently.
    from apps.subject_requests.domain import _holidays

    closures = {
        date(2025, 1, 1),
        date(2025, 1, 20),
        date(2025, 2, 17),
        date(2025, 3, 31),
        date(2025, 5, 26),
        date(2025, 7, 4),
        date(2025, 9, 1),
        date(2025, 11, 11),
        date(2025, 11, 27),
        date(2025, 11, 28),
        date(2025, 12, 25),
    }
    assert _holidays("US-CA", 2025) == closures
    note = Jurisdiction.objects.get(code="us-ca").counsel_note
    assert "do not define" in note
    assert "§7021(a)" not in note


def test_vietnam_counted_72_hours_under_decree_13_until_the_end_of_2025():
    hanoi = ZoneInfo("Asia/Ho_Chi_Minh")
    received = datetime(2025, 12, 30, 15, 45, tzinfo=hanoi)
    result = deadlines("vn", received, RequestType.ERASURE)
    assert result.due_at == datetime(2026, 1, 2, 15, 45, tzinfo=hanoi)  # to the hour, not the end of a day
    assert result.due_on == date(2026, 1, 2)
    assert result.extended_due_on is None  # Decree 13 gave no extension
    # Received a day later, on 1 January 2026 (a public holiday), Decree 356/2025 applies:
    # two working days, then 15 days for a withdrawal, extendable once by 15 more.
    later = deadlines("vn", datetime(2026, 1, 1, 9, tzinfo=hanoi), RequestType.WITHDRAWAL)
    assert later.acknowledge_by == date(2026, 1, 5)
    assert (later.due_on, later.extended_due_on) == (date(2026, 1, 16), date(2026, 1, 31))


def test_a_request_filed_now_for_a_day_in_2025_gets_decree_13s_deadline(customer):
    received = datetime(2025, 12, 31, 2, tzinfo=UTC)  # 09:00 in Hanoi
    request = file_request(customer, received_at=received, jurisdiction=Jurisdiction.objects.get(code="vn"))
    assert request.due_at == received + timedelta(hours=72)


def test_a_california_deadline_is_shown_as_its_legal_date_not_the_utc_one(client, customer):
    received = datetime(2025, 3, 3, 18, tzinfo=UTC)
    request = file_request(customer, received_at=received, jurisdiction=Jurisdiction.objects.get(code="us-ca"))
    assert request.due_at.astimezone(UTC).date() == date(2025, 4, 18)  # end of the 17th in Los Angeles
    assert request.due_on == date(2025, 4, 17)
    status = client.get(reverse("subject_requests:status", args=[request.reference])).content.decode()
    assert "17 Apr 2025" in status
    assert "18 Apr 2025" not in status


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


# --- "Can be extended to" on the pages -------------------------------------------------------------


def test_the_request_pages_show_how_far_an_extension_could_take_it(client_as, customer, officer):
    from apps.subject_requests.services.workflow import subject_request_extend

    received = datetime(2025, 1, 31, 10, tzinfo=UTC)
    with time_machine.travel(datetime(2025, 2, 3, 9, tzinfo=UTC), tick=False):
        request = file_request(customer, received_at=received)
        admin_url = reverse("admin:subject_requests_subjectrequest_change", args=[request.pk])
        # The admin writes dates as ISO; customer pages in their language's format.
        for page, limit, due in (
            (client_as("officer").get(admin_url), "2025-04-30", "2025-02-28"),
            (client_as("auditor").get(admin_url), "2025-04-30", "2025-02-28"),
            (
                client_as("customer").get(reverse("subject_requests:detail", args=[request.reference])),
                "30 Apr 2025",
                "28 Feb 2025",
            ),
            (
                client_as("anonymous").get(reverse("subject_requests:status", args=[request.reference])),
                "30 Apr 2025",
                "28 Feb 2025",
            ),
        ):
            html = page.content.decode()
            assert "Can be extended to" in html
            assert limit in html
            assert due in html
        assert (
            client_as("other_customer").get(reverse("subject_requests:detail", args=[request.reference])).status_code
            == 404
        )
        # Once extended, the page shows the extension itself, not what it could be.
        subject_request_extend(request=request, actor=officer, reason="Many records across several systems.")
        request.refresh_from_db()
        assert request.extended_on == date(2025, 4, 30)
        html = client_as("customer").get(reverse("subject_requests:detail", args=[request.reference])).content.decode()
        assert "Can be extended to" not in html
        assert "30 Apr 2025" in html


def test_no_extension_is_offered_once_the_first_due_date_passed_without_one(client_as, customer):
    # Review finding 7: an extension must be sent before the first due date; after it, the pages
    # must not promise one.
    received = datetime(2025, 1, 31, 10, tzinfo=UTC)  # UK: due 28 February, extendable to 30 April
    with time_machine.travel(datetime(2025, 3, 3, 9, tzinfo=UTC), tick=False):
        request = file_request(customer, received_at=received)
        assert selectors.extension_limit(request) is None
        admin_url = reverse("admin:subject_requests_subjectrequest_change", args=[request.pk])
        for page, due, limit in (
            (client_as("officer").get(admin_url), "2025-02-28", "2025-04-30"),
            (
                client_as("customer").get(reverse("subject_requests:detail", args=[request.reference])),
                "28 Feb 2025",
                "30 Apr 2025",
            ),
            (
                client_as("anonymous").get(reverse("subject_requests:status", args=[request.reference])),
                "28 Feb 2025",
                "30 Apr 2025",
            ),
        ):
            html = page.content.decode()
            assert due in html
            assert "Can be extended to" not in html
            assert limit not in html
    # The command still prints what the rule would have allowed (issue 14's example).
    assert selectors.extension_limit_at(request) == datetime(
        2025, 4, 30, 23, 59, 59, 999999, tzinfo=ZoneInfo("Europe/London")
    )


def test_no_extension_is_offered_where_the_rule_allows_none(client_as, customer):
    received = datetime(2025, 6, 2, 3, tzinfo=UTC)  # Vietnam, Decree 13/2023: 72 hours, no extension
    request = file_request(customer, received_at=received, jurisdiction=Jurisdiction.objects.get(code="vn"))
    assert selectors.extension_limit(request) is None
    html = client_as("customer").get(reverse("subject_requests:detail", args=[request.reference])).content.decode()
    assert "Can be extended to" not in html


# --- Counting ------------------------------------------------------------------------------------


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
