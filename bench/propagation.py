"""Benchmark: relaying requests' signed webhooks to their systems, against bare signed POSTs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/privacy_portal_bench \\
        .venv/bin/python bench/propagation.py [--requests 10000] [--systems 5]

``requests`` erasure requests fan out to ``systems`` webhook systems (apps/systems): the tasks
and one outbox event per request and system are written with each request's step. Then, to the
same local receiver (a separate process, HTTP/1.1 keep-alive, answering 204):

  floor   the same events' bodies, each signed (Standard Webhooks, every live secret) and POSTed
          in a loop over one keep-alive session: what sending them costs with no bookkeeping
  relay   apps.core.webhooks.webhooks_relay(): claim due events in batches, sign and POST each,
          record the results, mark the tasks told (with their history rows)

Target (issue #17): relay within 2x the floor. The fan-out's own time (the writes made with the
request step) is reported apart. Prints a JSON summary; the exit status is non-zero only when
the work is wrong (an event not delivered, a task not told, a receiver that saw a different
count).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='portal-bench-')}/bench.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"


class _Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver behind a proxy would

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.count.value += 1  # type: ignore[attr-defined]
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def _serve(port, count) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.count = count  # type: ignore[attr-defined]
    port.value = server.server_address[1]
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--systems", type=int, default=5)
    args = parser.parse_args()

    port, count = multiprocessing.Value("i", 0), multiprocessing.Value("l", 0)
    receiver = multiprocessing.Process(target=_serve, args=(port, count), daemon=True)
    receiver.start()
    while not port.value:
        time.sleep(0.01)

    import django

    django.setup()
    import requests
    from django.core.management import call_command
    from django.db import transaction

    from apps.core.models import WebhookEvent
    from apps.core.webhooks import sign_headers, webhooks_relay
    from apps.disclosures.models import Recipient
    from apps.personal_data.registry import Category
    from apps.subject_requests.models import Jurisdiction, SubjectRequest
    from apps.systems.models import PropagationTask
    from apps.systems.selectors import secrets_for
    from apps.systems.services import propagation_fan_out, system_secret_rotate

    call_command("migrate", verbosity=0)
    run_id = uuid.uuid4().hex[:8]
    # Earlier runs' systems (on a reused database) must not be told of these requests.
    Recipient.objects.exclude(connector="").update(is_active=False)
    systems = []
    for n in range(args.systems):
        system = Recipient.objects.create(
            name=f"Bench system {run_id}-{n}",
            category=Recipient.Category.PROCESSOR,
            country="GB",
            role=Recipient.Role.PROCESSOR,
            connector=Recipient.Connector.WEBHOOK,
            categories_held=list(Category.values),
            identifiers=["email"],
            webhook_url=f"http://127.0.0.1:{port.value}/hooks/{n}",
        )
        system_secret_rotate(system=system, actor=None)
        systems.append(system)
    jurisdiction = Jurisdiction.objects.order_by("pk").first()
    made = SubjectRequest.objects.bulk_create(
        SubjectRequest(
            request_type="erasure",
            status=SubjectRequest.Status.IN_PROGRESS,
            channel=SubjectRequest.Channel.EMAIL,
            jurisdiction=jurisdiction,
            requester_email=f"bench-{run_id}-{i}@example.test",
        )
        for i in range(args.requests)
    )

    started = time.perf_counter()
    for request in made:
        with transaction.atomic():  # each request's step, with its tasks and events
            propagation_fan_out(request=request)
    fan_out_seconds = time.perf_counter() - started
    events = list(
        WebhookEvent.objects.filter(state=WebhookEvent.State.PENDING, endpoint_id__in=[str(s.pk) for s in systems])
        .order_by("pk")
        .values_list("event_id", "url", "payload", "endpoint_id")
    )
    assert len(events) == args.requests * args.systems, len(events)
    secrets = {str(s.pk): secrets_for(str(s.pk)) for s in systems}

    # The floor: the same bodies, signed and POSTed, nothing written. Run before the relay and
    # again after it, and the two averaged: on a shared machine the load drifts in minutes.
    from django.utils import timezone

    def floor() -> tuple[float, int]:
        session = requests.Session()
        before = count.value
        started = time.perf_counter()
        for event_id, url, payload, endpoint_id in events:
            body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
            headers = sign_headers(
                secrets_=secrets[endpoint_id], event_id=event_id, timestamp=timezone.now(), body=body
            )
            response = session.post(url, data=body, headers=headers, timeout=10, allow_redirects=False)
            assert response.status_code == 204
        seconds = time.perf_counter() - started
        session.close()
        return seconds, count.value - before

    floor_before, floor_received = floor()

    before = count.value
    started = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        relayed = profiler.runcall(webhooks_relay, budget_seconds=3600)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
    else:
        relayed = webhooks_relay(budget_seconds=3600)
    relay_seconds = time.perf_counter() - started
    relay_received = count.value - before
    floor_after, _received = floor()
    floor_seconds = (floor_before + floor_after) / 2

    told = PropagationTask.objects.filter(request__in=made, state=PropagationTask.State.SENT).count()
    pending = WebhookEvent.objects.filter(state=WebhookEvent.State.PENDING).count()
    summary = {
        "database": django.db.connection.vendor,
        "requests": args.requests,
        "systems": args.systems,
        "events": len(events),
        "fan_out_seconds": round(fan_out_seconds, 2),
        "fan_out_per_request_ms": round(fan_out_seconds * 1000 / args.requests, 2),
        "floor_seconds": round(floor_seconds, 2),
        "floor_before_and_after_seconds": [round(floor_before, 2), round(floor_after, 2)],
        "floor_events_per_second": round(len(events) / floor_seconds),
        "relay_seconds": round(relay_seconds, 2),
        "relay_events_per_second": round(len(events) / relay_seconds),
        "relay_vs_floor": round(relay_seconds / floor_seconds, 2),
        "target": "relay within 2x the floor",
        "target_met": relay_seconds <= 2 * floor_seconds,
    }
    print(json.dumps(summary, indent=2))
    receiver.terminate()
    wrong = (
        relayed.delivered != len(events)
        or pending
        or told != len(events)
        or floor_received != len(events)
        or relay_received != len(events)
    )
    if wrong:
        print(
            f"wrong: delivered {relayed.delivered}, pending {pending}, told {told}, "
            f"received {floor_received}/{relay_received} of {len(events)}",
            file=sys.stderr,
        )
        raise SystemExit(1)


if __name__ == "__main__":
    main()
