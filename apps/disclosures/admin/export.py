"""The register as CSV, for regulators (the changelist's export action)."""

from __future__ import annotations

import csv

from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse

from apps.core.clock import organisation_today
from apps.disclosures.models import DisclosureSubject


def export_columns() -> list[str]:
    return [
        "sequence",
        "reference",
        "disclosed_at",
        "recorded_at",
        "recipient",
        "recipient_category",
        "recipient_country",
        "international_transfer",
        "transfer_safeguard",
        "agreement",
        "agreement_reference",
        "data_categories",
        "description",
        "reason",
        "legal_basis",
        "external_reference",
        "requested_by",
        "approved_by",
        "recorded_by",
        "amends",
        "visibility",
        "withheld_reason",
        "subject_count",
        "subject_references",
        "previous_hash",
        "entry_hash",
    ]


def register_csv(queryset: QuerySet) -> HttpResponse:
    """The chosen entries in sequence order, one row each, with their subjects' pseudonymous references."""
    entries = (
        queryset.select_related("recipient", "amends", "approved_by", "recorded_by")
        .prefetch_related(Prefetch("subjects", queryset=DisclosureSubject.objects.order_by("subject_reference")))
        .order_by("sequence")
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="disclosure-register-{organisation_today()}.csv"'
    writer = csv.writer(response)
    writer.writerow(export_columns())
    for entry in entries:
        recipient = entry.recipient
        references = [link.subject_reference for link in entry.subjects.all()]
        writer.writerow(
            [
                entry.sequence,
                entry.reference,
                entry.disclosed_at.isoformat(),
                entry.created_at.isoformat(),
                recipient.name,
                recipient.category,
                str(recipient.country),
                "yes" if recipient.is_international else "no",
                recipient.transfer_safeguard,
                recipient.agreement,
                recipient.agreement_reference,
                ";".join(entry.data_categories),
                entry.description,
                entry.reason,
                entry.legal_basis,
                entry.external_reference,
                entry.requested_by,
                entry.approved_by.email if entry.approved_by else "",
                entry.recorded_by.email,
                entry.amends.sequence if entry.amends_id else "",
                entry.visibility,
                entry.withheld_reason,
                len(references),
                ";".join(references),
                entry.previous_hash,
                entry.entry_hash,
            ]
        )
    return response
