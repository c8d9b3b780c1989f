"""Card numbers must never be stored (PCI DSS; the policies promise the processor keeps them).

``card_number_in`` finds a run of 13 to 19 digits, with single spaces or dashes between
groups, that passes the Luhn check: what a payment card number looks like. Services refuse
such a value on write, and the ``database``-tagged system check of the service app scans
what is already stored (apps/service_data/checks.py). Plain Python: no queries.
"""

from __future__ import annotations

import re

# Digits with at most one space or dash between them; the look-arounds keep the run from
# starting or ending inside a longer number (a 25-digit reference is not a card).
_CANDIDATE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_number_in(text: object) -> str | None:
    """The first card-number-like run in ``text`` (masked to its last four digits), or None."""
    if not isinstance(text, str) or len(text) < 13:
        return None
    for match in _CANDIDATE.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        # One digit repeated (a placeholder of zeros) is Luhn-valid but no card.
        if luhn_valid(digits) and len(set(digits)) > 1:
            return f"•••• {digits[-4:]}"
    return None
