"""Plain rules of the ledger sub-domain: the month boundaries and the geometry of the consent-rate chart
(the figures themselves are read in ``apps.consent.selectors.ledger.consent_rates``)."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from apps.core.charts import next_month


def month_end(first: date) -> datetime:
    """The first instant after the month that starts on ``first``, in the current time zone."""
    end = next_month(first)
    return datetime(end.year, end.month, 1, tzinfo=timezone.get_current_timezone())


def rate_chart_layout(months: list[date], series: list[dict]) -> dict:
    """Where each line of the chart goes: adds ``points`` to each series and returns the frame."""
    width, height, left, top, step = 640, 200, 44, 10, 50
    for line in series:
        points = []
        for index, rate in enumerate(line["rates"]):
            x = left + index * step
            y = top + height - rate * height / 100
            points.append(f"{x},{round(y, 1)}")
        line["points"] = " ".join(points)
    return {
        "width": max(width, left + (len(months) - 1) * step + 40),
        "height": top + height + 30,
        "left": left,
        "top": top,
        "baseline": top + height,
        "middle": top + height / 2,
        "axis_label_y": top + height + 18,
        "ticks": [{"x": left + i * step, "month": month} for i, month in enumerate(months)],
        # No purpose ever switched on: flat lines on the floor say nothing; the page says so instead.
        "has_data": any(any(line["consenting"]) for line in series),
    }
