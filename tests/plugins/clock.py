"""``--clock INSTANT``: run the suite as if it were started at a chosen moment.

A test that passes only at some hours fails CI one evening in eight, long after the change
that broke it. With ``--clock 2026-12-31T23:59:30Z`` every test starts from that instant,
with the clock ticking (time-machine), so late evenings, month and year ends, 29 February
and the days clocks change can be tried on purpose, on any day.

Only this process's clock moves. Tests that need another process (a real Celery worker, a
browser talking to a live server) would see two clocks, so ``--clock`` deselects them; the
fast lane (``make test-fast``) is what runs at moved instants.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

# Tests that need a second process keep the real clock; see the module docstring.
OTHER_PROCESS_FIXTURES = {"celery_worker_process", "live_server", "page"}
OTHER_PROCESS_MARKERS = {"worker", "browser"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        metavar="INSTANT",
        default=None,
        help="start every test at this ISO 8601 instant with an offset, e.g. 2026-12-31T23:59:30Z "
        "(the clock keeps ticking; tests that need a worker or a browser are deselected)",
    )


def parse_instant(value: str) -> datetime:
    try:
        instant = datetime.fromisoformat(value)
    except ValueError as error:
        raise pytest.UsageError(f"--clock {value!r}: not an ISO 8601 date and time ({error})") from None
    if instant.tzinfo is None:
        raise pytest.UsageError(f"--clock {value!r}: give an offset or Z, e.g. 2026-12-31T23:59:30Z")
    return instant.astimezone(UTC)


def _instant(config: pytest.Config) -> datetime | None:
    value = config.getoption("--clock")
    return parse_instant(value) if value else None


def pytest_configure(config: pytest.Config) -> None:
    # Validate early, so a typo stops the run before anything is collected.
    config.stash[_CLOCK] = _instant(config)


_CLOCK = pytest.StashKey[datetime | None]()


def pytest_report_header(config: pytest.Config) -> str | None:
    instant = config.stash.get(_CLOCK, None)
    return f"clock: every test starts at {instant.isoformat()} (ticking)" if instant else None


def needs_another_process(item: pytest.Item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    markers = {marker.name for marker in item.iter_markers()}
    return bool(fixtures & OTHER_PROCESS_FIXTURES or markers & OTHER_PROCESS_MARKERS)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.stash.get(_CLOCK, None) is None:
        return
    kept, deselected = [], []
    for item in items:
        (deselected if needs_another_process(item) else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


# What a fresh install already holds (the rows migrations seed) was written before anyone
# used it. Each test starts again at the same instant, so rows seeded during one test would
# otherwise be "newer" than what the next test does: seed them a day earlier.
INSTALLED_BEFORE = timedelta(days=1)


def installed_before_the_tests(config: pytest.Config) -> contextlib.AbstractContextManager:
    instant = config.stash.get(_CLOCK, None)
    return time_machine.travel(instant - INSTALLED_BEFORE, tick=True) if instant else contextlib.nullcontext()


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest):
    if fixturedef.argname != "django_db_setup":
        return (yield)
    with installed_before_the_tests(request.config):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    instant = item.config.stash.get(_CLOCK, None)
    if instant is None:
        return (yield)
    # Setup, call and teardown all run on the moved clock; nested travels inside a test
    # stack on top of it and return to it when they end.
    with time_machine.travel(instant, tick=True):
        return (yield)
