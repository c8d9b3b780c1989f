"""Whose day it is (apps/core/clock.py), and the suite's --clock option (tests/plugins/clock.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest
import time_machine

from apps.core.clock import date_in, organisation_time, organisation_today, today_in
from tests.helpers import ROOT

# 23:30 UTC on 31 December: already 1 January in Hanoi, still the 31st's afternoon in Los Angeles.
LATE_ON_NEW_YEARS_EVE = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)


@time_machine.travel(LATE_ON_NEW_YEARS_EVE, tick=False)
@pytest.mark.parametrize(
    ("zone", "day"),
    [("UTC", date(2026, 12, 31)), ("Asia/Ho_Chi_Minh", date(2027, 1, 1)), ("America/Los_Angeles", date(2026, 12, 31))],
)
def test_the_organisations_day_is_the_day_in_its_time_zone(settings, zone, day):
    settings.TIME_ZONE = zone
    assert organisation_today() == day
    assert organisation_time().date() == day
    assert today_in(zone) == day


def test_a_moment_has_a_date_in_each_zone():
    assert date_in(LATE_ON_NEW_YEARS_EVE, "Asia/Ho_Chi_Minh") == date(2027, 1, 1)
    assert date_in(LATE_ON_NEW_YEARS_EVE, "Europe/London") == date(2026, 12, 31)
    # Vietnam has no clock change: 17:00 UTC is midnight there all year round.
    assert date_in(datetime(2027, 7, 1, 16, 59, tzinfo=UTC), "Asia/Ho_Chi_Minh") == date(2027, 7, 1)
    assert date_in(datetime(2027, 7, 1, 17, 0, tzinfo=UTC), "Asia/Ho_Chi_Minh") == date(2027, 7, 2)


def run_probe(*args: str, instant: str = "2027-12-31T23:59:30+00:00") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args, "tests/plugins/clock_probe.py"],
        cwd=ROOT,
        env={**os.environ, "CLOCK_PROBE_INSTANT": instant, "CI": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_clock_option_starts_every_test_at_the_instant_and_leaves_out_other_processes():
    result = run_probe("--clock", "2027-12-31T23:59:30Z")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed, 1 deselected" in result.stdout


def test_without_the_option_the_probe_sees_todays_clock():
    result = run_probe("-m", "not worker")
    assert result.returncode == 1
    assert "2 failed" in result.stdout


@pytest.mark.parametrize(
    ("value", "message"),
    [("2027-12-31", "give an offset or Z"), ("yesterday", "not an ISO 8601 date and time")],
)
def test_a_bad_instant_stops_the_run_with_a_clear_message(value, message):
    result = run_probe("--clock", value)
    assert result.returncode == 4  # pytest's usage error
    assert message in result.stderr
