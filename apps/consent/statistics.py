"""Consent rate per purpose over time, for the officers' chart (P-14).

The rate at the end of a month is the share of accounts that existed then whose latest
choice for the purpose was "on". It is rebuilt from the ledger, not from the current state,
so a month's figure does not change when someone changes their mind later; the walk over
the ledger is cached for a few minutes because the ledger only grows.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from apps.accounts.models import User
from apps.consent.models import ConsentEvent, Purpose
from apps.core.charts import CHART_COLOURS, last_months, next_month
from apps.core.clock import organisation_today

CACHE_SECONDS = 300


def _month_end(first: date) -> datetime:
    end = next_month(first)
    return datetime(end.year, end.month, 1, tzinfo=timezone.get_current_timezone())


def _net_changes_by_month(purpose_ids: list[int], month_ends: list[datetime]) -> dict[int, list[int]]:
    """Per purpose, how many accounts switched on minus switched off, per month (index)."""
    # Index 0 also takes everything before the first month: the running total starts there.
    changes = {pk: [0] * len(month_ends) for pk in purpose_ids}
    events = (
        ConsentEvent.objects.filter(purpose_id__in=purpose_ids, recorded_at__lt=month_ends[-1])
        .exclude(subject_reference="")
        .order_by("subject_reference", "purpose_id", "recorded_at", "id")
        .values_list("subject_reference", "purpose_id", "granted", "recorded_at")
    )
    current_key, was = None, False
    for reference, purpose_id, granted, recorded_at in events.iterator(chunk_size=5000):
        if (reference, purpose_id) != current_key:
            current_key, was = (reference, purpose_id), False
        if granted != was:  # only a change of mind moves the count; "off" at sign-up does not
            index = next(i for i, end in enumerate(month_ends) if recorded_at < end)
            changes[purpose_id][index] += 1 if granted else -1
            was = granted
    return changes


def consent_rates(*, today: date | None = None) -> dict:
    """Monthly consent rate (percent) per consent-based processing purpose, last 12 months."""
    today = today or organisation_today()
    key = f"consent:rates:{today.isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    months = last_months(today)
    month_ends = [_month_end(month) for month in months]
    purposes = list(
        Purpose.objects.filter(kind=Purpose.Kind.PROCESSING, legal_basis=Purpose.LegalBasis.CONSENT).order_by(
            "display_order", "code"
        )
    )
    accounts = User.objects.aggregate(
        **{f"m{i}": Count("pk", filter=Q(date_joined__lt=end)) for i, end in enumerate(month_ends)}
    )
    totals = [accounts[f"m{i}"] for i in range(len(months))]
    changes = _net_changes_by_month([p.pk for p in purposes], month_ends)
    series = []
    for index, purpose in enumerate(purposes):
        consenting, running = [], 0
        for month_index in range(len(months)):
            running += changes[purpose.pk][month_index]
            consenting.append(running)
        rates = [round(100 * n / total, 1) if total else 0.0 for n, total in zip(consenting, totals, strict=True)]
        series.append(
            {
                "code": purpose.code,
                "label": purpose.name(),
                "colour": CHART_COLOURS[index % len(CHART_COLOURS)],
                "consenting": consenting,
                "rates": rates,
                "table": list(zip(consenting, rates, strict=True)),
            }
        )
    result = {"months": months, "accounts": totals, "series": series, "chart": _layout(months, series)}
    cache.set(key, result, CACHE_SECONDS)
    return result


def _layout(months: list[date], series: list[dict]) -> dict:
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
    }
