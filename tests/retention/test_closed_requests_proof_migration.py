"""Migration retention 0007 adds the closed-requests-proof rule and leaves every other rule, and an
existing copy of that one, as officers left them (review finding 2)."""

import importlib

from django.apps import apps

from apps.retention.models import RetentionRule

migration = importlib.import_module("apps.retention.migrations.0007_seed_closed_requests_proof")


def test_it_keeps_rules_an_officer_edited(db):
    edited = RetentionRule.objects.get(code="inactive-accounts")
    edited.period, edited.explanation_en = 24, "Edited by an officer."
    edited.save()
    proof = RetentionRule.objects.get(code="closed-requests-proof")
    proof.period = 5
    proof.save()

    migration.seed(apps, None)

    edited.refresh_from_db()
    proof.refresh_from_db()
    assert (edited.period, edited.explanation_en) == (24, "Edited by an officer.")
    assert proof.period == 5


def test_it_adds_the_rule_with_its_frozen_values_and_a_history_row(db):
    RetentionRule.objects.filter(code="closed-requests-proof").delete()

    migration.seed(apps, None)

    rule = RetentionRule.objects.get(code="closed-requests-proof")
    assert (rule.period, rule.unit, rule.action, rule.trigger) == (3, "years", "anonymise", "request_closed")
    created = rule.history.latest()
    assert created.history_type == "+"
    assert created.history_change_reason == "Seeded by migration retention 0007"
