"""Where a piece of personal data (an email address) still lies after the person was erased:
every place the portal writes outside its database tables, searched in one call.

``places_holding(text, ...)`` looks, case-insensitively and also URL-encoded, in:

* log files (the web process's and the workers', captured by the test);
* every file under the test run's var folder: private storage (media, exports), the broker
  folder, the result backend folder, worker logs. Not the local mailbox: it stands in for
  the recipients' inboxes (mail the portal sent before the erasure is the person's own);
  not the SQLite database files: the erasure tests check the tables;
* Celery task messages the test process published (``record_task_messages``) and every
  key and value in a Redis used as broker or result backend;
* the cache (the test process's local memory, or a Redis cache);
* the job rows (the outbox: a job names its target by id, and its last error).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings


def _needles(text: str) -> list[bytes]:
    lowered = text.lower()
    return sorted({lowered.encode(), quote(lowered, safe="").lower().encode()})


def _holds(blob: bytes, needles: list[bytes]) -> bool:
    lowered = blob.lower()
    return any(needle in lowered for needle in needles)


def _files(root: Path, skip: Iterable[Path]) -> Iterator[Path]:
    skipped = [path.resolve() for path in skip]
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder, name).resolve()
            if any(path.is_relative_to(other) for other in skipped) or ".sqlite3" in name:
                continue
            yield path


def _redis_entries(url: str) -> Iterator[tuple[str, bytes]]:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
    for key in client.scan_iter(count=500):
        kind = client.type(key)
        if kind == b"string":
            values = [client.get(key) or b""]
        elif kind == b"list":
            values = client.lrange(key, 0, -1)
        elif kind == b"hash":
            values = [b"%s=%s" % pair for pair in client.hgetall(key).items()]
        elif kind == b"set":
            values = list(client.smembers(key))
        elif kind == b"zset":
            values = [member for member, _score in client.zrange(key, 0, -1, withscores=True)]
        else:
            values = []
        name = key.decode(errors="replace")
        yield f"redis {url} key {name}", key
        for value in values:
            yield f"redis {url} value of {name}", value


def _cache_entries() -> Iterator[tuple[str, bytes]]:
    from django.core.cache import cache

    store = getattr(cache, "_cache", None)
    if isinstance(store, dict):  # local memory: pickled values
        for key, value in store.items():
            yield f"cache key {key}", key.encode()
            yield f"cache value of {key}", value
    location = settings.CACHES["default"].get("LOCATION", "")
    if isinstance(location, str) and location.startswith("redis://"):
        yield from _redis_entries(location)


def _job_rows() -> Iterator[tuple[str, bytes]]:
    from apps.core.models import Job

    for pk, kind, target, error in Job.objects.values_list("pk", "kind", "target", "last_error"):
        yield f"job {pk} ({kind})", f"{target}\n{error}".encode()


TASK_MESSAGES = "task-messages.jsonl"


@contextmanager
def record_task_messages(folder: Path) -> Iterator[Path]:
    """Write every task message this process publishes (headers and body) to a file."""
    from celery.signals import before_task_publish

    path = folder / TASK_MESSAGES

    def record(sender=None, body=None, headers=None, **kwargs) -> None:
        with path.open("a") as out:
            out.write(json.dumps({"task": sender, "headers": headers, "body": body}, default=repr) + "\n")

    before_task_publish.connect(record, weak=False)
    try:
        yield path
    finally:
        before_task_publish.disconnect(record)


def places_holding(
    text: str,
    *,
    logs: Iterable[Path] = (),
    redis_urls: Iterable[str] = (),
    var_dir: Path | None = None,
) -> list[str]:
    """Every place the portal wrote ``text`` to, outside its tables (see the module docstring)."""
    needles = _needles(text)
    found: list[str] = []
    var_dir = var_dir or Path(os.environ["PORTAL_TEST_VAR_DIR"])
    paths = {path.resolve() for path in logs} | set(_files(var_dir, skip=[Path(settings.LOCAL_MAILBOX_DIR)]))
    for path in sorted(paths):
        if path.is_file() and _holds(path.read_bytes(), needles):
            found.append(f"file {path}")
    entries: list[Iterator[tuple[str, bytes]]] = [_cache_entries(), _job_rows()]
    entries += [_redis_entries(url) for url in redis_urls]
    for source in entries:
        found += [where for where, blob in source if _holds(blob, needles)]
    return found
