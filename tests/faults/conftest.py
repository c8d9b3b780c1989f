"""The fault suite: the portal on the real stack (its database, a broker of the test's own, a
real Celery worker in its own process) while something breaks. Every test here is marked
``worker``: it runs in ``make test`` and in the PostgreSQL + Redis step of .ci/run."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.helpers import start_worker, stop_worker
from tests.helpers.faults import PrivateRedis, celery_pointed_at


def scratch() -> Path:
    return Path(os.environ["PORTAL_TEST_VAR_DIR"])


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if item.path.parent == here:
            item.add_marker(pytest.mark.worker)


@pytest.fixture
def broker(transactional_db) -> Iterator[PrivateRedis]:
    """A Redis of this test's own as the broker and result backend of the test process and of
    every worker it starts; ``broker.stop()`` is an outage, ``broker.start()`` its end."""
    redis = PrivateRedis(scratch() / "redis")
    redis.start()
    try:
        with celery_pointed_at(redis.url):
            yield redis
    finally:
        redis.stop()


# Workers send mail to the shared file mailbox (the test process can read it) and log to a
# file of their own in the scratch folder (the data-flow check reads it).
WORKER_ENV = {"EMAIL_BACKEND": "apps.core.mail.MailboxBackend"}


@pytest.fixture
def workers(broker) -> Iterator[Callable[..., subprocess.Popen]]:
    """start(env) → a real worker with these settings in its environment, on the test's own
    broker (so no message of this test outlives it, and none of another reaches it); all
    are stopped at the end."""
    started: list[subprocess.Popen] = []

    def start(env: Mapping[str, str] | None = None) -> subprocess.Popen:
        log = scratch() / f"worker-faults-{time.time_ns()}.log"
        started.append(start_worker(log=log, env={**WORKER_ENV, **(env or {})}))
        return started[-1]

    yield start
    for process in started:
        stop_worker(process)
