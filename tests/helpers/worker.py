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
    from apps.core.health import check_worker

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Celery worker exited early:\n{log.read_text()[-4000:]}")
        if check_worker()["ok"]:
            return
    raise RuntimeError(f"Celery worker did not answer within {timeout}s:\n{log.read_text()[-4000:]}")


def stop_worker(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop the worker and its children: ``sig`` (SIGTERM lets it finish; SIGKILL is an OOM kill
    or a lost host), then SIGKILL after 15 s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
