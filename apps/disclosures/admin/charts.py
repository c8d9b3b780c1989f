"""The monthly chart of the register (server-side SVG, no JavaScript)."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, F
from django.db.models.functions import TruncMonth
from django.utils import timezone

from apps.core.charts import CHART_COLOURS, BarFrame, last_months
from apps.core.clock import organisation_today
from apps.disclosures.models import Disclosure, Recipient


def monthly_chart(*, today: date | None = None) -> dict:
    """Counts per month and recipient category for the last 12 months, laid out as stacked bars."""
    months = last_months(today or organisation_today())
    start = datetime(months[0].year, months[0].month, 1, tzinfo=timezone.get_current_timezone())
    rows = (
        Disclosure.objects.filter(disclosed_at__gte=start)
        .annotate(month=TruncMonth("disclosed_at"))
        .values("month", category=F("recipient__category"))
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[date, str], int] = {}
    for row in rows:
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        counts[(month, row["category"])] = counts.get((month, row["category"]), 0) + row["n"]
    labels = dict(Recipient.Category.choices)
    categories = [value for value in Recipient.Category.values if any(c == value for _m, c in counts)]
    legend = [
        {"value": value, "label": labels[value], "colour": CHART_COLOURS[i % len(CHART_COLOURS)]}
        for i, value in enumerate(categories)
    ]
    totals = [sum(counts.get((month, c), 0) for c in categories) for month in months]
    peak = max(totals, default=0) or 1
    frame = BarFrame(columns=len(months))
    bars = []
    for index, month in enumerate(months):
        y = frame.baseline
        segments = []
        for item in legend:
            n = counts.get((month, item["value"]), 0)
            if n:
                h = n * frame.height / peak
                y -= h
                segments.append({"y": round(y, 1), "height": round(h, 1), "count": n, **item})
        bars.append(
            {
                "month": month,
                "x": frame.x(index),
                "label_x": frame.label_x(index),
                "segments": segments,
                "total": totals[index],
            }
        )
    table = [
        {"month": month, "cells": [counts.get((month, item["value"]), 0) for item in legend], "total": totals[index]}
        for index, month in enumerate(months)
    ]
    return {
        "bars": bars,
        "legend": legend,
        "table": table,
        "peak": peak,
        "chart": frame.as_dict(),
        "total": sum(totals),
    }
