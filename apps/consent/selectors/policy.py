"""Reads of privacy policy versions (P-16)."""

from __future__ import annotations

from apps.consent.models import PolicyVersion
from apps.core.clock import organisation_today


def current_policy() -> PolicyVersion | None:
    """The policy in force today (a later version may already be published, not yet effective)."""
    return PolicyVersion.objects.filter(effective_on__lte=organisation_today()).order_by("-effective_on", "-pk").first()
