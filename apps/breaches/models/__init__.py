"""The breaches app's models, by sub-domain: the register, clocks, people affected, notices."""

from apps.breaches.models.clocks import BreachClock, ClockRule, ClockStart, Recipient
from apps.breaches.models.notices import AuthoritySubmission
from apps.breaches.models.people import AffectedPerson, AffectedSet
from apps.breaches.models.register import Breach, RiskAssessment

__all__ = [
    "AffectedPerson",
    "AffectedSet",
    "AuthoritySubmission",
    "Breach",
    "BreachClock",
    "ClockRule",
    "ClockStart",
    "Recipient",
    "RiskAssessment",
]
