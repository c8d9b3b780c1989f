"""Two poison job kinds for the fault suite, registered in the test process (by importing this
module) and in the worker (its settings, poison_worker_settings.py, load this app):

* ``tests.poison.raises``: its work raises every time (an error its kind retries);
* ``tests.poison.kills``: its work kills the worker process running it every time.

Both are capped at three attempts, and sent again at once by the reconciler (no backoff), so
the suite sees the cap in seconds.
"""

from __future__ import annotations

import os
from datetime import timedelta

from apps.core.jobs import JobKind, register_job_kind

RAISES = "tests.poison.raises"
KILLS = "tests.poison.kills"
ATTEMPTS = 3


def _raise(target: str, heartbeat) -> None:
    raise RuntimeError(f"poison job {target} fails every time")


def _kill(target: str, heartbeat) -> None:
    os._exit(9)  # the worker's process dies mid-task, as an out-of-memory kill would


for name, run in ((RAISES, _raise), (KILLS, _kill)):
    register_job_kind(
        JobKind(
            name=name,
            run=run,
            label=name,
            max_attempts=ATTEMPTS,
            retry_any_error=True,
            redispatch_after=timedelta(0),
        )
    )
