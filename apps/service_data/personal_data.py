"""What the service holds about a person, declared once for every engine (export, erasure,
retention, the finder, the record of processing, the admin's field-level view rule).

This module is the worked example of docs/adding-an-app.md.
"""

from apps.personal_data.registry import OFFICERS_ONLY, Action, Category, LegalBasis, PersonalField, register
from apps.service_data.models import (
    CalendarEntry,
    CallRecord,
    ContentItem,
    Invoice,
    LocationRecord,
    OptionalKindRefusal,
    Payment,
    ProductConfiguration,
    SharedPost,
    SupportCommunication,
    UsageEvent,
)

TAX_RECORD = "5 years after the invoice is issued (tax and accounting records), then anonymised"


def tax_record(name: str) -> PersonalField:
    """A billing field erasure keeps: the tax authorities may ask for it for 5 years (P-41)."""
    return PersonalField(
        name, Category.FINANCIAL, Action.KEEP, legal_basis=LegalBasis.LEGAL_OBLIGATION, retention=TAX_RECORD
    )


register(
    ContentItem,
    subject="owner",
    purpose="Keep the files the customer places in the service (contract)",
    tabular=True,
    fields=[
        PersonalField("kind", Category.CONTENT),
        PersonalField("title", Category.CONTENT),
        # Erasure deletes the stored file with the row (apps/personal_data/erasure/batches.py).
        # The export copies it into the ZIP under the name the customer gave it, and checks
        # the bytes against the CRC-32 recorded at upload, to give the SHA-256 recorded then.
        PersonalField(
            "file",
            Category.CONTENT,
            file_name="original_name",
            file_sha256="sha256",
            file_crc32="crc32",
            file_size="size",
        ),
        PersonalField("original_name", Category.CONTENT),
        PersonalField("content_type", Category.CONTENT),
        PersonalField("size", Category.CONTENT),
        PersonalField("sha256", Category.CONTENT),
        PersonalField("crc32", Category.CONTENT),
        PersonalField("created_at", Category.CONTENT),
    ],
)
register(
    SharedPost,
    subject="author",
    purpose="Show what the customer chose to share (contract)",
    tabular=True,
    fields=[
        PersonalField("text", Category.CONTENT),
        PersonalField("picture", Category.CONTENT),
        PersonalField("created_at", Category.CONTENT),
    ],
)
register(
    OptionalKindRefusal,
    subject="subject",
    purpose="Remember the optional data the customer refused to give (legal obligation)",
    fields=[PersonalField("kind", Category.PREFERENCES), PersonalField("refused_at", Category.PREFERENCES)],
)
register(
    CalendarEntry,
    subject="owner",
    purpose="Show the customer's calendar in the service (consent)",
    tabular=True,
    fields=[
        PersonalField("source", Category.CONTENT),
        PersonalField("external_id", Category.CONTENT),
        PersonalField("title", Category.CONTENT),
        PersonalField("starts_at", Category.CONTENT),
        PersonalField("ends_at", Category.CONTENT),
        PersonalField("location", Category.LOCATION),
        PersonalField("description", Category.CONTENT),
    ],
)
register(
    LocationRecord,
    subject="owner",
    purpose="Location-based features the customer switched on (consent)",
    tabular=True,
    fields=[
        PersonalField("recorded_at", Category.LOCATION),
        PersonalField("latitude", Category.LOCATION),
        PersonalField("longitude", Category.LOCATION),
        PersonalField("accuracy_m", Category.LOCATION),
    ],
)
register(
    ProductConfiguration,
    subject="owner",
    purpose="Remember how the customer set up the product (contract)",
    fields=[PersonalField("settings", Category.PREFERENCES), PersonalField("updated_at", Category.PREFERENCES)],
)
register(
    UsageEvent,
    subject="owner",
    purpose="Product usage log: improve the product, find abandoned accounts (legitimate interest)",
    tabular=True,
    fields=[
        PersonalField("occurred_at", Category.USAGE),
        PersonalField("feature", Category.USAGE),
        PersonalField("action", Category.USAGE),
    ],
)
register(
    CallRecord,
    subject="owner",
    purpose="Call history: date, duration and cost, for the customer and their bill (contract)",
    tabular=True,
    fields=[
        PersonalField("started_at", Category.COMMUNICATIONS),
        PersonalField("direction", Category.COMMUNICATIONS),
        PersonalField("other_party", Category.COMMUNICATIONS),
        PersonalField("duration_seconds", Category.COMMUNICATIONS),
        PersonalField("cost", Category.COMMUNICATIONS),
        PersonalField("currency", Category.COMMUNICATIONS),
    ],
)
register(
    SupportCommunication,
    subject="customer",
    purpose="Answer the customer's questions; calls and emails with support are noted (legitimate interest)",
    tabular=True,
    fields=[
        PersonalField("channel", Category.COMMUNICATIONS),
        PersonalField("direction", Category.COMMUNICATIONS),
        PersonalField("occurred_at", Category.COMMUNICATIONS),
        PersonalField("subject_line", Category.COMMUNICATIONS),
        PersonalField("body", Category.COMMUNICATIONS),
    ],
)
register(
    Invoice,
    subject="customer",
    # The invoice stays for the tax authorities; erasure unlinks it from the account unless an
    # unpaid debt holds the financial data (P-42). The retention rule anonymises it at 5 years.
    erase=Action.NULL,
    purpose="Bill the customer and keep tax records (contract, legal obligation)",
    tabular=True,
    fields=[
        PersonalField("customer", Category.FINANCIAL, seen_by=OFFICERS_ONLY),
        tax_record("billing_name"),
        tax_record("billing_address"),
        tax_record("description"),
        tax_record("amount"),
        tax_record("issued_on"),
        tax_record("status"),
    ],
)
register(
    Payment,
    subject="customer",
    erase=Action.NULL,
    purpose="Take payments through the payment processor; no card data is stored (contract, legal obligation)",
    tabular=True,
    fields=[
        PersonalField("customer", Category.FINANCIAL),
        PersonalField("method_summary", Category.FINANCIAL),
        tax_record("processor_reference"),
        tax_record("amount"),
        tax_record("status"),
    ],
)
