"""Benchmark: the API's consent check, batch and single, against its floors.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/privacy_portal_bench \\
        .venv/bin/python bench/api_consent_check.py [--subjects 100000] [--batch 10000] [--calls 400]

Loads ``subjects`` accounts as bench/consent_audience.py does (60% consenting, some suppressed
or restricted), then:
  batch   POST /api/v1/consent/check/batch with ``batch`` keyed address hashes, in process through
          Django's test client (parsing, the key, the streamed NDJSON answer, all of it), against
          the same question asked in one hand-written SQL statement. Target: within 2x.
  single  POST /api/v1/consent/check from 8 concurrent clients against gunicorn (4 workers),
          against an empty Django view on the same server, same middleware. Target: p95 within 3x.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import consent_audience  # noqa: E402  (sets up Django on the benchmark database)

# isort: split

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.api.domain import Scope  # noqa: E402
from apps.api.models import ApiClient  # noqa: E402
from apps.api.services import api_client_create  # noqa: E402
from apps.consent.models import Purpose  # noqa: E402
from apps.core.server import heap_settle  # noqa: E402

FLOOR_SQL = """
SELECT u.reference, u.email_hash, u.is_active, u.status, s.granted, s.method,
  EXISTS (SELECT 1 FROM consent_processingrestriction r
          LEFT JOIN consent_processingrestriction_purposes rp ON rp.processingrestriction_id = r.id
          WHERE r.subject_id = u.id AND r.lifted_at IS NULL AND (rp.purpose_id IS NULL OR rp.purpose_id = %s)),
  EXISTS (SELECT 1 FROM consent_suppression x WHERE x.address_hash = u.email_hash AND x.channel = 'email'
          AND x.purpose_code IN ('', 'newsletter'))
FROM accounts_user u
LEFT JOIN consent_consentstate s ON s.subject_id = u.id AND s.purpose_id = %s
WHERE u.email_hash IN ({marks})
"""


def floor(purpose_id: int, hashes: list[str]) -> tuple[int, float]:
    mark = "?" if connection.vendor == "sqlite" else "%s"
    sql = FLOOR_SQL.replace("%s", mark).replace("{marks}", ",".join([mark] * len(hashes)))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, [purpose_id, purpose_id, *hashes])
        rows = cursor.fetchall()
    return len(rows), time.perf_counter() - started


def batch(client: Client, key: str, hashes: list[str]) -> tuple[int, float]:
    body = json.dumps({"purpose": "newsletter", "channel": "email", "people": [{"email_hash": h} for h in hashes]})
    started = time.perf_counter()
    response = client.post(
        "/api/v1/consent/check/batch",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    lines = b"".join(response.streaming_content).count(b"\n")
    return lines, time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed_calls(url: str, key: str, bodies: list[bytes | None], concurrency: int) -> list[float]:
    def one(body: bytes | None) -> float:
        request = urllib.request.Request(url, data=body, method="POST" if body else "GET")
        request.add_header("Authorization", f"Bearer {key}")
        request.add_header("Content-Type", "application/json")
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            if response.status != 200:
                raise SystemExit(f"FAIL: {url} answered {response.status}")
        return time.perf_counter() - started

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, bodies))


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0, run_syncdb=True)
    newsletter = Purpose.objects.get(code="newsletter")
    officer, _ = User.objects.get_or_create(email="bench-officer@bench.example", defaults={"is_staff": True})
    consent_audience.clear()
    ApiClient.objects.filter(name__startswith="bench").delete()
    consent_audience.load(options.subjects, newsletter, officer)
    _client, key = api_client_create(
        client=ApiClient(
            name="bench", owner="bench", purpose="bench", scopes=[Scope.CONSENT_CHECK], rate_limit_per_minute=10**9
        ),
        actor=officer,
    )
    rng = random.Random(19)
    hashes = [f"{i:064x}" for i in rng.sample(range(options.subjects), min(options.batch, options.subjects))]

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the in-process client's host
    heap_settle()  # as the served entry points do (config/wsgi.py)
    http = Client()
    batch(http, key, hashes)  # warm both: the URLconf, the pages of the tables
    floor(newsletter.pk, hashes)
    api_times, floor_times = [], []
    for _ in range(3):  # alternating rounds, medians compared
        lines, seconds = batch(http, key, hashes)
        api_times.append(seconds)
        rows, floor_seconds = floor(newsletter.pk, hashes)
        floor_times.append(floor_seconds)
    if lines != len(hashes) or rows != len(hashes):
        raise SystemExit(f"FAIL: {lines} answers and {rows} floor rows for {len(hashes)} identifiers")
    api_s, floor_s = statistics.median(api_times), statistics.median(floor_times)
    print(
        f"batch of {len(hashes):,} ({connection.vendor}): API {api_s * 1000:.0f} ms, hand-written SQL "
        f"{floor_s * 1000:.0f} ms, ratio {api_s / floor_s:.2f}x (target: within 2x)"
    )

    port = free_port()
    # Connections kept for a minute, as production keeps them (config/settings/production.py).
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.api_settings", "DJANGO_CONN_MAX_AGE": "60"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "4"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/floor/empty", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        single = [
            json.dumps({"purpose": "newsletter", "channel": "email", "person": {"email_hash": h}}).encode()
            for h in rng.choices(hashes, k=options.calls)
        ]
        timed_calls(f"{base}/floor/empty", key, [None] * 40, options.concurrency)  # warm every worker
        timed_calls(f"{base}/api/v1/consent/check", key, single[:40], options.concurrency)
        empty = timed_calls(f"{base}/floor/empty", key, [None] * options.calls, options.concurrency)
        checks = timed_calls(f"{base}/api/v1/consent/check", key, single, options.concurrency)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"single checks, {options.concurrency} concurrent clients, {options.calls} calls each side: p95 "
        f"{p95(checks) * 1000:.1f} ms vs {p95(empty) * 1000:.1f} ms for an empty view, ratio "
        f"{p95(checks) / p95(empty):.2f}x (target: within 3x)"
    )
    consent_audience.clear()
    ApiClient.objects.filter(name__startswith="bench").delete()


if __name__ == "__main__":
    main()
