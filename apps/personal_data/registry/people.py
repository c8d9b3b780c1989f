"""Who the data is about, and who holds it: hooks the accounts app fills in."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# --- Who the data is about, and who holds it ------------------------------------------------
# The accounts app knows the people and the organisation; the engines below it ask through
# these two hooks, which it fills in its AppConfig.ready.

# (ids of other people a subject's rows point at, the subject) -> {id: how to name them}.
PeopleLabels = Callable[[set[Any], Any], dict[Any, str]]
_people_labels: list[PeopleLabels] = []
_controller: list[Callable[[], Any]] = []


def register_people_labels(labeller: PeopleLabels) -> None:
    _people_labels[:] = [labeller]


def people_labels(ids: set[Any], subject: Any) -> dict[Any, str]:
    """How an export names the people the subject's rows point at (a follow, a message).

    Other people are not the subject's data (GDPR Art. 15(4)): without a labeller they are
    only "another person"."""
    if _people_labels:
        return _people_labels[0](ids, subject)
    return dict.fromkeys(ids, str(_("another person")))


def register_controller(provider: Callable[[], Any]) -> None:
    _controller[:] = [provider]


def controller() -> Any:
    """The data controller's identity (P-05), shown in every export; None until it is set up."""
    return _controller[0]() if _controller else None


# --- An account closed by the erasure engine ---------------------------------------------------
# The engine closes the account with a set-based UPDATE, which sends no model signal; whoever
# must hear of it (the API's consent.changed webhooks, which sit far above this app) registers
# here. Called inside the transaction that closes the account, so what a listener writes
# commits or rolls back with the closure.

# (the subject's id, whether it could sign in just before, the erasure's reference) -> None.
ClosureListener = Callable[[Any, bool, str], None]
_closure_listeners: list[ClosureListener] = []


def register_closure_listener(listener: ClosureListener) -> None:
    if listener not in _closure_listeners:
        _closure_listeners.append(listener)


def notify_account_closed(subject_id: Any, *, was_active: bool, erasure: str) -> None:
    """Each listener in a savepoint of its own: whatever one of them fails at (a lock timeout on
    the outbox, a fault in its code) is logged and must never stop or undo an erasure the law
    requires, nor the closure it belongs to."""
    for listener in _closure_listeners:
        try:
            with transaction.atomic():
                listener(subject_id, was_active, erasure)
        except Exception:
            logger.exception("Account %s closed by erasure %s: a closure listener failed", subject_id, erasure)
