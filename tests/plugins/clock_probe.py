"""Run only by tests/core/test_clock.py, through `pytest --clock` in a subprocess."""

import os
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

INSTANT = datetime.fromisoformat(os.environ["CLOCK_PROBE_INSTANT"])


@pytest.mark.parametrize("run", [1, 2])
def test_every_test_starts_at_the_instant_and_the_clock_ticks(run):
    start = timezone.now()
    assert INSTANT <= start < INSTANT + timedelta(seconds=5)
    # Ticking: code that waits for time to pass still sees it pass.
    while timezone.now() == start:
        pass


@pytest.mark.worker
def test_what_needs_another_process_is_left_out():
    raise AssertionError("a worker test ran under --clock")
