"""When a retention rule's period has run out: on the organisation's calendar, never early
(apps/core/clock.py, RetentionRule.cutoff)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.retention.models import RetentionRule


def rule(period: int, unit: str) -> RetentionRule:
    return RetentionRule(code="test", period=period, unit=unit)


def due(rule: RetentionRule, start: datetime, now: datetime) -> bool:
    return start < rule.cutoff(now)  # how the purge filters: clock started before the cutoff


@pytest.mark.parametrize(
    ("period", "unit", "start", "runs_out"),
    [
        (12, "months", datetime(2027, 3, 15, 9, 0, tzinfo=UTC), datetime(2028, 3, 15, 9, 0, tzinfo=UTC)),
        (7, "days", datetime(2027, 3, 27, 12, 0, tzinfo=UTC), datetime(2027, 4, 3, 12, 0, tzinfo=UTC)),
        (12, "months", datetime(2027, 12, 31, 23, 59, tzinfo=UTC), datetime(2028, 12, 31, 23, 59, tzinfo=UTC)),
        # No 29 February in 2033: the period ends with the 28th, so it is due from 1 March 00:00.
        (5, "years", datetime(2028, 2, 29, 0, 30, tzinfo=UTC), datetime(2033, 3, 1, 0, 0, tzinfo=UTC)),
        (5, "years", datetime(2028, 2, 29, 18, 0, tzinfo=UTC), datetime(2033, 3, 1, 0, 0, tzinfo=UTC)),
        # A month from the 29th to 31st of January: the end of February.
        (1, "months", datetime(2027, 1, 29, 10, 0, tzinfo=UTC), datetime(2027, 3, 1, 0, 0, tzinfo=UTC)),
        (1, "months", datetime(2027, 1, 31, 10, 0, tzinfo=UTC), datetime(2027, 3, 1, 0, 0, tzinfo=UTC)),
    ],
)
def test_a_period_runs_out_at_the_same_time_on_the_same_date_or_the_end_of_a_shorter_month(
    period, unit, start, runs_out
):
    covering = rule(period, unit)
    assert not due(covering, start, runs_out - timedelta(minutes=1))
    assert due(covering, start, runs_out + timedelta(minutes=1))


def test_months_are_counted_on_the_organisations_calendar(settings):
    # 04:00 UTC on 31 January is the evening of the 30th in Los Angeles: a month from there
    # ends with 28 February, Los Angeles time, eight hours after it ends in UTC.
    start = datetime(2027, 1, 31, 4, 0, tzinfo=UTC)
    one_month = rule(1, "months")
    now = datetime(2027, 3, 1, 4, 0, tzinfo=UTC)
    settings.TIME_ZONE = "UTC"
    assert due(one_month, start, now)
    settings.TIME_ZONE = "America/Los_Angeles"
    assert not due(one_month, start, now)
    assert due(one_month, start, datetime(2027, 3, 1, 8, 1, tzinfo=UTC))
