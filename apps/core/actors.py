"""Who did a write, for simple-history and for ledgers.

Every service takes an ``actor``: the customer, the officer, or a system job. Inside a
request simple-history's middleware knows the user; in Celery tasks and commands the
history user is set explicitly through ``record_actor``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from apps.accounts.models import User


@dataclass(frozen=True)
class SystemActor:
    """A scheduled job or command acting without a person behind it."""

    name: str

    def __str__(self) -> str:
        return f"system:{self.name}"


Actor = "User | SystemActor"


def actor_label(actor: User | SystemActor | None) -> str:
    """How a log line names an actor: a system job by name, a person only by opaque reference
    (never email, name or address: logs are kept and shipped where personal data must not go)."""
    if actor is None:
        return "nobody"
    if isinstance(actor, SystemActor):
        return str(actor)
    return f"user:{actor.reference}"


def record_actor(instance: models.Model, *, actor: User | SystemActor | None, reason: str) -> None:
    """Tell simple-history who made the next save of ``instance`` and why."""
    instance._history_user = actor if actor is not None and not isinstance(actor, SystemActor) else None  # type: ignore[attr-defined]
    label = f"{reason} [{actor}]" if isinstance(actor, SystemActor) else reason
    instance._change_reason = label  # type: ignore[attr-defined]
