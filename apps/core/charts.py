"""Pieces shared by the admin's server-rendered SVG charts (no JavaScript, tables beside them)."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class BarFrame:
    """The geometry of a vertical bar chart, one bar per column, shared by the admin's SVG charts.

    ``as_dict()`` gives the keys their templates read (width, height, baseline, axis label …).
    """

    columns: int
    height: int = 200  # of the plotting area
    bar_width: int = 36
    gap: int = 12
    left: int = 40
    top: int = 10

    def x(self, index: int) -> int:
        return self.left + index * (self.bar_width + self.gap)

    def label_x(self, index: int) -> float:
        return self.x(index) + self.bar_width / 2

    @property
    def baseline(self) -> int:
        return self.top + self.height

    def bar(self, value: float, peak: float) -> tuple[float, float]:
        """(y, height) of a bar of ``value`` on a scale whose top is ``peak``."""
        height = round(value * self.height / peak, 1) if value else 0
        return round(self.baseline - height, 1), height

    def as_dict(self) -> dict:
        return {
            "width": self.x(self.columns),
            "height": self.baseline + 30,
            "bar_width": self.bar_width,
            "baseline": self.baseline,
            "top": self.top,
            "left": self.left,
            "axis_label_y": self.baseline + 18,
        }
