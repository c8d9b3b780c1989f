"""The breach rules in plain Python: no queries, no writes.

* Risk: the assessment's factors give "no risk / risk / high risk" (GDPR Art. 33(1), 34(1)).
* Clocks: when a notification falls due, how many hours are left, which reminders are owed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _


class Risk(models.TextChoices):
    """The outcome of an assessment, in the words of Art. 33(1) and 34(1)."""

    NONE = "none", _("No risk (unlikely to result in a risk to people)")
    RISK = "risk", _("Risk to people's rights and freedoms")
    HIGH = "high", _("High risk to people's rights and freedoms")


RISK_ORDER = {Risk.NONE: 0, Risk.RISK: 1, Risk.HIGH: 2}


class Level(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


# The jurisdictions whose authority clocks start with every new breach, before the people
# affected are known (the frozen set adds theirs); settings.BREACHES_HOME_JURISDICTIONS overrides.
HOME_JURISDICTIONS = ("uk", "eu")

# Above this many people a breach counts as large in the assessment (a factor, not a rule of law).
LARGE_BREACH = 1000


@dataclass(frozen=True)
class Factors:
    sensitivity: str  # Level: how sensitive the categories of data are
    special_categories: bool  # health, biometric, children's data... (Art. 9, 10)
    people: int  # the volume: how many people
    ease_of_identification: str  # Level: how easily the data identifies someone
    severity: str  # Level: how bad the consequences could be (loss, fraud, distress)
    vulnerable_people: bool  # special characteristics of the people (children, patients...)
    unintelligible: bool  # encrypted with the key safe, or otherwise unreadable (Art. 34(3)(a))


def risk_score(factors: Factors) -> float:
    """A score in the shape of ENISA's severity method (2013): context of the data times the ease
    of identification, plus the circumstances; volume and vulnerable people add to it."""
    context = {Level.LOW: 1, Level.MEDIUM: 2, Level.HIGH: 3}[Level(factors.sensitivity)]
    context += 1 if factors.special_categories else 0
    ease = {Level.LOW: 0.25, Level.MEDIUM: 0.5, Level.HIGH: 1.0}[Level(factors.ease_of_identification)]
    circumstances = {Level.LOW: 0.0, Level.MEDIUM: 0.5, Level.HIGH: 1.0}[Level(factors.severity)]
    score = context * ease + circumstances
    score += 0.5 if factors.vulnerable_people else 0
    score += 0.5 if factors.people > LARGE_BREACH else 0
    return score


def risk_of(factors: Factors) -> Risk:
    """Below 2 unlikely to result in a risk, 2 to 3 a risk, 3 and above a high risk. Data nobody
    can read (encrypted, key safe) is no risk whatever else is true: people need not be told
    (Art. 34(3)(a)), and the register still records it (Art. 33(5))."""
    if factors.unintelligible:
        return Risk.NONE
    score = risk_score(factors)
    if score >= 3:
        return Risk.HIGH
    return Risk.RISK if score >= 2 else Risk.NONE


def risk_reaches(risk: str, minimum: str) -> bool:
    return RISK_ORDER[Risk(risk)] >= RISK_ORDER[Risk(minimum)]


# --- Clocks ----------------------------------------------------------------------------------


def hours_left(due_at: datetime, now: datetime) -> int:
    """Whole hours left until ``due_at``: 71 while 71 h 59 min remain; negative once late (-1 in
    the first hour after), so an officer never reads "0 hours" for a clock that has run out."""
    seconds = (due_at - now).total_seconds()
    return math.floor(seconds / 3600)


def reminders_owed(*, due_at: datetime, now: datetime, reminder_hours: list[int], sent: list[int]) -> list[int]:
    """The reminders ("N hours left") whose moment has come and that were not sent yet. Only the
    latest is worth sending when several are owed at once (a beat that was down): the others are
    returned too so they are recorded as passed."""
    return sorted(
        (hours for hours in reminder_hours if hours not in sent and now >= due_at - timedelta(hours=hours)),
        reverse=True,
    )
