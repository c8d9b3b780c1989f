"""Reads of retention rules: the rules as customers see them (Your Account → How long we keep your data)."""

from __future__ import annotations

from apps.retention.models import RetentionRule


def rules_for_customers() -> list[RetentionRule]:
    """The enabled rules, in the order "Your Account → How long we keep your data" lists them."""
    return list(RetentionRule.objects.filter(enabled=True).order_by("order", "code"))
