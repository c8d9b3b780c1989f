"""Extension points for apps above this one that take part in a request's work.

apps/systems tells processors and recipients about erasures, rectifications, restrictions
and objections, and a request may not complete until they have confirmed. That app sits
above this one (it points at requests), so this one must not import it: it registers here
instead, from its AppConfig.ready.

* step listeners: called inside the transaction of a request step (``STARTED`` when the
  worker claims it, ``COMPLETING`` just before it would complete), so whatever they write
  (events, tasks) commits or rolls back with the step;
* completion gates: each returns why the request must wait, or "" when it need not; a
  waiting request keeps its outcome and completes by ``subject_request_resume`` once no gate
  holds it;
* progress: per request, how far the outside work has got, for the request page and the
  subject's status page ("3 of 4 systems have confirmed");
* status listeners: called inside the transaction that changes a request's status (not its
  filing), with the status it had; apps/api announces the change to the filing client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.subject_requests.models import SubjectRequest

STARTED = "started"
COMPLETING = "completing"


@dataclass(frozen=True)
class Progress:
    """How far the outside work on one request has got."""

    done: int
    total: int
    summary: str  # for the subject, in their language: "3 of 4 systems have confirmed"
    # One line per party for officers and the subject: {"name", "state", "told_at", "confirmed_at", ...}.
    items: list[dict] = field(default_factory=list)
    # Names of the recipients told (Art. 19): the subject may see who they are.
    recipients_told: list[str] = field(default_factory=list)


StepListener = Callable[["SubjectRequest", str], None]
Gate = Callable[["SubjectRequest"], str]
ProgressSource = Callable[["SubjectRequest"], "Progress | None"]
StatusListener = Callable[["SubjectRequest", str], None]

_LISTENERS: list[StepListener] = []
_GATES: list[Gate] = []
_PROGRESS: list[ProgressSource] = []
_STATUS_LISTENERS: list[StatusListener] = []


def _add(registry: list, item) -> None:
    if item not in registry:
        registry.append(item)


def register_step_listener(listener: StepListener) -> None:
    _add(_LISTENERS, listener)


def register_completion_gate(gate: Gate) -> None:
    _add(_GATES, gate)


def register_progress(source: ProgressSource) -> None:
    _add(_PROGRESS, source)


def register_status_listener(listener: StatusListener) -> None:
    _add(_STATUS_LISTENERS, listener)


def notify_status_changed(request: SubjectRequest, from_status: str) -> None:
    for listener in _STATUS_LISTENERS:
        listener(request, from_status)


def notify_step(request: SubjectRequest, step: str) -> None:
    for listener in _LISTENERS:
        listener(request, step)


def completion_waits_for(request: SubjectRequest) -> list[str]:
    """Why the request may not complete yet (empty: it may)."""
    return [reason for reason in (gate(request) for gate in _GATES) if reason]


def progress_of(request: SubjectRequest) -> list[Progress]:
    return [p for p in (source(request) for source in _PROGRESS) if p is not None]
