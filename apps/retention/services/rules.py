"""Writes of retention rules: an officer's new or changed rule (from the admin)."""

from __future__ import annotations

from django.db import transaction

from apps.accounts.models import User
from apps.core.actors import record_actor
from apps.retention.models import RetentionRule


# Not durable: the admin saves a rule inside its change form's transaction (save_model).
@transaction.atomic
def retention_rule_save(*, rule: RetentionRule, actor: User) -> RetentionRule:
    """Save an officer's new or changed rule (validated by RetentionRule.clean, which the purge relies on)."""
    rule.full_clean()
    record_actor(rule, actor=actor, reason="retention rule added" if rule.pk is None else "retention rule changed")
    rule.save()
    return rule
