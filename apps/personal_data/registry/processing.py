"""What the apps above the registry know about processing, asked through hooks: who receives
personal data, the retention rules, and which supervisory authority a person may complain to.

The access answer (GDPR Art. 15) and the records of processing (Art. 30) are generated here,
in personal_data, from the registry; recipients live in disclosures, rules in retention and
jurisdictions in subject_requests, all above this app. Each fills its hook in its
AppConfig.ready, and answers in the active language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RecipientInfo:
    """An organisation that receives personal data, as the person and the record name it."""

    name: str
    kind: str  # its category, in words (e.g. "Service provider / processor")
    country: str  # the country's name
    country_code: str
    processor: bool  # processes on the controller's behalf
    safeguard: str  # in words; "" when the transfer needs none
    # The registry's data categories it receives (Category values); empty when the register
    # does not say, which the record reads as "any the purpose holds" rather than "none".
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class RetentionInfo:
    """One enabled retention rule, in words."""

    target: str  # the registry model it covers (Entry.label)
    category: str  # a Category value
    title: str
    period: str  # e.g. "12 months"
    explanation: str


@dataclass(frozen=True)
class Authority:
    """The supervisory authority a person may complain to, under the law their requests follow."""

    jurisdiction: str
    name: str
    url: str


_recipients: list[Callable[[], Iterable[RecipientInfo]]] = []
_retention: list[Callable[[], Iterable[RetentionInfo]]] = []
_authority: list[Callable[[Any], Authority | None]] = []


def register_recipients(provider: Callable[[], Iterable[RecipientInfo]]) -> None:
    _recipients[:] = [provider]


def register_retention_rules(provider: Callable[[], Iterable[RetentionInfo]]) -> None:
    _retention[:] = [provider]


def register_authority(provider: Callable[[Any], Authority | None]) -> None:
    _authority[:] = [provider]


def recipients() -> list[RecipientInfo]:
    """Every active recipient (processors included); none until the disclosures app answers."""
    return list(_recipients[0]()) if _recipients else []


def retention_rules() -> list[RetentionInfo]:
    return list(_retention[0]()) if _retention else []


def authority_for(subject: Any) -> Authority | None:
    """The authority for ``subject`` (None: the organisation's own jurisdiction)."""
    return _authority[0](subject) if _authority else None
