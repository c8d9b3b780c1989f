"""The checks behind /healthz: database, broker, worker."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection


def check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def check_broker() -> dict:
    from config.celery import app

    started = time.monotonic()
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def check_worker() -> dict:
    """Send a ping task and wait for a worker to answer it."""
    from apps.core.tasks import ping

    started = time.monotonic()
    try:
        result = ping.apply_async(expires=settings.HEALTHZ_WORKER_TIMEOUT * 2)
        answer = result.get(timeout=settings.HEALTHZ_WORKER_TIMEOUT, propagate=True)
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": answer == "pong", "ms": round((time.monotonic() - started) * 1000, 1)}


def health_report() -> tuple[bool, dict]:
    checks = {"database": check_database(), "broker": check_broker()}
    checks["worker"] = check_worker() if checks["broker"]["ok"] else {"ok": False, "error": "broker down"}
    healthy = all(c["ok"] for c in checks.values())
    return healthy, {"status": "ok" if healthy else "unavailable", "checks": checks}
