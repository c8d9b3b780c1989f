"""Pieces shared by the admin's server-rendered SVG charts (no JavaScript, tables beside them)."""

from __future__ import annotations

from datetime import date

# Distinguishable on white and for the common colour-vision deficiencies, in this order.
CHART_COLOURS = (
    "#1b6ca8",
    "#e07b00",
    "#2e8540",
    "#b3261e",
    "#6f42c1",
    "#8a5a00",
    "#c2185b",
    "#4d4d4d",
    "#00838f",
    "#827717",
    "#5d4037",
)


def last_months(today: date, count: int = 12) -> list[date]:
    """The first days of the ``count`` months up to and including today's, oldest first."""
    months, year, month = [], today.year, today.month
    for _i in range(count):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def next_month(first: date) -> date:
    return date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1)
