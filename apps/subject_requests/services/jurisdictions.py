"""Writes of jurisdictions: an officer's change to a law's deadlines (admin/jurisdictions.py).

Every change is recorded in the rule's history with who and why; a change applies to deadlines
set from then on (new requests, extensions, a clock resumed), though resuming a clock never moves
a deadline earlier than the one already set (services/deadlines.py).
"""

from __future__ import annotations

from django.db import transaction

from apps.accounts.models import User
from apps.core.actors import record_actor
from apps.subject_requests.models import DeadlineRule, Jurisdiction


@transaction.atomic
def jurisdiction_save(*, jurisdiction: Jurisdiction, actor: User, reason: str) -> Jurisdiction:
    """Validate (Jurisdiction.clean: calendar, time zone, per-type terms) and save, with history."""
    jurisdiction.full_clean()
    record_actor(jurisdiction, actor=actor, reason=reason)
    jurisdiction.save()
    return jurisdiction


@transaction.atomic
def deadline_rule_save(*, rule: DeadlineRule, actor: User, reason: str) -> DeadlineRule:
    """Validate (DeadlineRule.clean: amounts, per-type terms, one version a day) and save, with history."""
    rule.full_clean()
    record_actor(rule, actor=actor, reason=reason)
    rule.save()
    return rule
