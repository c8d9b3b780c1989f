"""Reads of the register: one breach by reference, and the CSV for a regulator (Art. 33(5))."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from apps.breaches.models import Breach

REGISTER_COLUMNS = (
    ("number", "Number"),
    ("title", "Title"),
    ("status", "Status"),
    ("occurred_at", "Happened at"),
    ("occurred_until", "Happened until"),
    ("aware_at", "Became aware at"),
    ("discovered_how", "How it was found"),
    ("description", "What happened"),
    ("systems", "Systems involved"),
    ("categories", "Data categories"),
    ("approx_people", "Approximate number of people"),
    ("approx_records", "Approximate number of records"),
    ("consequences", "Likely consequences"),
    ("measures_taken", "Measures taken"),
    ("measures_proposed", "Measures proposed"),
    ("risk", "Risk"),
    ("decision", "Decision to notify"),
    ("decision_reasoning", "Reasoning"),
    ("authority_notified", "Authorities notified (when, reference)"),
    ("people_notified", "People notified"),
    ("delay_reasons", "Reasons for delay"),
    ("officer", "Officer responsible"),
    ("closed_at", "Closed at"),
)


def breach_get(*, reference: str) -> Breach:
    return get_object_or_404(Breach, reference=reference)


def public_notice_get(*, reference) -> Breach:
    # 404 until it is published: an unpublished breach is not hinted at.
    return get_object_or_404(Breach, reference=reference, public_notice_at__isnull=False)


def register_rows(breaches: QuerySet[Breach]) -> Iterator[list[str]]:
    """The register as rows for a regulator: a header, then one row per breach (officer by name
    as staff, people only as counts)."""
    yield [label for _name, label in REGISTER_COLUMNS]
    breaches = breaches.select_related("officer", "mailing").prefetch_related("submissions", "clocks")
    for breach in breaches.order_by("aware_at", "pk"):
        submissions = sorted(breach.submissions.all(), key=lambda s: s.submitted_at)
        values = {
            **{name: getattr(breach, name, "") for name, _label in REGISTER_COLUMNS if hasattr(breach, name)},
            "categories": ", ".join(breach.categories),
            "officer": breach.officer.full_name or breach.officer.email,
            "authority_notified": "; ".join(
                f"{s.submitted_at.isoformat()} {s.phase} {s.method} {s.authority_reference}".strip()
                for s in submissions
            ),
            "people_notified": (
                f"{breach.mailing.sent_count} of {breach.mailing.audience_size}" if breach.mailing else ""
            ),
            "delay_reasons": "; ".join(c.delay_reason for c in breach.clocks.all() if c.delay_reason),
        }
        yield [
            value.isoformat() if hasattr(value, "isoformat") else ("" if value is None else str(value))
            for value in (values.get(name, "") for name, _label in REGISTER_COLUMNS)
        ]


def breach_by_number_or_reference(value: str) -> Breach | None:
    """A breach named on the command line: its number (BR-2026-0001) or its reference (UUID)."""
    import uuid

    value = value.strip()
    try:
        return Breach.objects.filter(reference=uuid.UUID(value)).first()
    except ValueError:
        return Breach.objects.filter(number__iexact=value).first()


def breach_json(breach: Breach) -> dict:
    from apps.breaches.selectors.clocks import breach_clocks

    return {
        "number": breach.number,
        "reference": str(breach.reference),
        "status": breach.status,
        "risk": breach.risk,
        "aware_at": breach.aware_at.isoformat(),
        "clocks": [
            {
                "rule": str(clock.rule),
                "status": clock.status,
                "due_at": clock.due_at.isoformat() if clock.due_at else None,
                "hours_left": left,
            }
            for clock, left in breach_clocks(breach)
        ],
    }
