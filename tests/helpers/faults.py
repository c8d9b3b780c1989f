"""Faults on the real stack: a broker of the test's own that it can stop and start again, and
the Celery app of the test process pointed at it (the worker is pointed at it through its
environment, tests/helpers/worker.py)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers.paths import IN_CI

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def require_redis_server() -> str:
    """The redis-server binary; without it the test skips on a laptop and fails under CI."""
    if Path(REDIS_SERVER).is_file():
        return REDIS_SERVER
    message = "redis-server is needed to stop and restart a broker of the test's own"
    if IN_CI:
        pytest.fail(f"CI=true: {message}", pytrace=False)
    pytest.skip(message)


class PrivateRedis:
    """A ``redis-server`` on a free port, with nothing saved to disk: stopping it is a broker
    outage that touches no other test's Redis; starting it again is the broker coming back
    (empty, as a restarted Redis without persistence is)."""

    def __init__(self, folder: Path) -> None:
        self.binary = require_redis_server()
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / f"redis-{self.port}.log").open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                cwd=self.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """Killed outright, as a crashed or stopped server: connections are refused from now on."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=5)


def reset_celery_connections() -> None:
    """Forget the test process's pooled broker connections and its result backend, so the
    next send reads the broker and backend URLs afresh."""
    from celery import current_app as app

    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local = threading.local()


@contextmanager
def celery_pointed_at(url: str) -> Iterator[None]:
    """The test process's Celery app sends to, and reads results from, ``url``; workers started
    meanwhile inherit the same environment and consume from it."""
    from celery import current_app as app
    from django.conf import settings

    from config.settings.base import celery_transport_options

    with pytest.MonkeyPatch.context() as patch:
        # Celery reads these two from the environment before its configuration.
        patch.setenv("CELERY_BROKER_URL", url)
        if url.startswith("redis://"):  # a Redis broker is the result backend too, as in production
            patch.setenv("CELERY_RESULT_BACKEND", url)
        patch.setitem(
            app.conf,
            "broker_transport_options",
            celery_transport_options(url, settings.CELERY_BROKER_DATA_DIR, settings.CELERY_TASK_TIME_LIMIT),
        )
        # The file result backend checks its folder when first made (config/celery.py makes
        # it only when the app is configured, which may have been under another backend).
        if (results := app.conf.result_backend or "").startswith("file://"):
            Path(results.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
        reset_celery_connections()
        try:
            yield
        finally:
            reset_celery_connections()
    reset_celery_connections()


def wait_until(
    condition: Callable[[], object], *, timeout: float = 60, what: str = "the condition", poll: float = 0.05
) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
