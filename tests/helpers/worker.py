"""A real Celery worker in its own process, on the test database and broker."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from tests.helpers.paths import ROOT


def database_url_for_worker() -> str:
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{s['NAME']}"
    if "postgresql" in s["ENGINE"]:
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    raise RuntimeError(f"No worker URL for {s['ENGINE']}")


def start_worker(
    *,
    log: Path | None = None,
    env: Mapping[str, str] | None = None,
    settings_module: str = "config.settings.test",
    concurrency: int = 1,
) -> subprocess.Popen:
    """Start ``celery worker`` (prefork children) and wait until it answers a ping.

    Its log goes to ``log`` (by default a new file in the test run's scratch folder).
    """
    log = log or Path(os.environ["PORTAL_TEST_VAR_DIR"]) / f"worker-{time.time_ns()}.log"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": database_url_for_worker(),
        **(env or {}),
    }
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                celery,
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "--pool=prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_worker(process, log)
    except BaseException:
        stop_worker(process)
        raise
    return process


def _wait_for_worker(process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Wait for the worker to answer one ping.

    One ping, sent now and waited for in short steps, not a new ping every two seconds as
    /healthz does: the worker takes the waiting message as soon as it is ready, and the test
    goes on a few hundredths of a second later instead of up to two seconds (and every test
    with a worker starts one)."""
    from celery.exceptions import TimeoutError as ResultTimeout

    from apps.core.tasks import ping

    deadline = time.monotonic() + timeout
    answer = ping.apply_async(expires=timeout)
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early:\n{log.read_text()[-4000:]}")
            try:
                if answer.get(timeout=0.5, interval=0.02) == "pong":
                    return
            except ResultTimeout:
                continue
    finally:
        answer.forget()
    raise RuntimeError(f"Celery worker did not answer within {timeout}s:\n{log.read_text()[-4000:]}")


def stop_worker(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Stop the worker and its children with ``sig``, then SIGKILL after 15 s.

    The default is SIGKILL at once: a test that ends is done with its worker, and Celery's
    warm shutdown of even an idle worker takes about five seconds (its loop looks for the
    signal every two, then the pool's threads each sleep a second), which every test with a
    worker paid, twice in CI. Killing also ends a task still running, so nothing the test left
    can write while its data is flushed. Tests that simulate a stop pass the signal they mean
    (tests/faults/, the erasure worker tests)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
