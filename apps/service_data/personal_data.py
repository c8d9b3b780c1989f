"""What the service holds about a person, declared once for every engine (export, erasure,
retention, the finder, the record of processing, the admin's field-level view rule).

This module is the worked example of docs/adding-an-app.md.
"""

from django.utils.translation import gettext_lazy as _

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

TAX_RECORD = _("5 years after the invoice is issued (tax and accounting records), then anonymised")


def tax_record(name: str, *, fides: str = "user.behavior.purchase_history") -> PersonalField:
    """A billing field erasure keeps: the tax authorities may ask for it for 5 years (P-41)."""
    return PersonalField(
        name,
        Category.FINANCIAL,
        Action.KEEP,
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=TAX_RECORD,
        fides=fides,
    )


register(
    ContentItem,
    subject="owner",
    purpose=_("Keep the files the customer places in the service"),
    legal_basis=LegalBasis.CONTRACT,
    retention=_("until you delete them or close your account"),
    title=_("Your files"),
    export_name="your-files",
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
    purpose=_("Show what the customer chose to share"),
    legal_basis=LegalBasis.CONTRACT,
    retention=_("until you delete them or close your account"),
    title=_("Posts you shared"),
    export_name="shared-posts",
    tabular=True,
    fields=[
        PersonalField("text", Category.CONTENT, fides="user.content.public"),
        PersonalField("picture", Category.CONTENT, fides="user.content.public"),
        PersonalField("created_at", Category.CONTENT),
    ],
)
register(
    OptionalKindRefusal,
    subject="subject",
    purpose=_("Remember the optional data the customer refused to give"),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention=_("while your account is open"),
    title=_("Optional data you refused to give"),
    export_name="refused-optional-data",
    fields=[PersonalField("kind", Category.PREFERENCES), PersonalField("refused_at", Category.PREFERENCES)],
)
register(
    CalendarEntry,
    subject="owner",
    purpose=_("Show the customer's calendar in the service"),
    legal_basis=LegalBasis.CONSENT,
    retention=_("until you disconnect your calendar or close your account"),
    title=_("Calendar entries"),
    export_name="calendar",
    source=_("your Google calendar, when you connect it"),
    tabular=True,
    fields=[
        PersonalField("source", Category.CONTENT),
        PersonalField("external_id", Category.CONTENT),
        PersonalField("title", Category.CONTENT),
        PersonalField("starts_at", Category.CONTENT),
        PersonalField("ends_at", Category.CONTENT),
        PersonalField("location", Category.LOCATION, fides="user.location.imprecise"),
        PersonalField("description", Category.CONTENT),
    ],
)
register(
    LocationRecord,
    subject="owner",
    purpose=_("Location-based features the customer switched on"),
    legal_basis=LegalBasis.CONSENT,
    retention=_("until you switch location features off or close your account"),
    title=_("Places your device reported"),
    export_name="locations",
    source=_("your device, while location features are on"),
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
    purpose=_("Remember how the customer set up the product"),
    legal_basis=LegalBasis.CONTRACT,
    retention=_("while your account is open"),
    title=_("How you set up the product"),
    export_name="product-settings",
    fields=[
        PersonalField("settings", Category.PREFERENCES, fides="user.account.settings"),
        PersonalField("updated_at", Category.PREFERENCES, fides="user.account.settings"),
    ],
)
register(
    UsageEvent,
    subject="owner",
    purpose=_("Product usage log: improve the product, find abandoned accounts"),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention=_("while your account is open"),
    title=_("Your activity in the service"),
    export_name="activity",
    source=_("recorded by our systems as you use the service"),
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
    purpose=_("Call history: date, duration and cost, for the customer and their bill"),
    legal_basis=LegalBasis.CONTRACT,
    retention=_("while your account is open"),
    title=_("Calls"),
    export_name="calls",
    source=_("our telephone network, when you make or receive a call"),
    tabular=True,
    fields=[
        PersonalField("started_at", Category.COMMUNICATIONS),
        PersonalField("direction", Category.COMMUNICATIONS),
        PersonalField("other_party", Category.COMMUNICATIONS, fides="user.contact.phone_number"),
        PersonalField("duration_seconds", Category.COMMUNICATIONS),
        PersonalField("cost", Category.COMMUNICATIONS),
        PersonalField("currency", Category.COMMUNICATIONS),
    ],
)
register(
    SupportCommunication,
    subject="customer",
    purpose=_("Answer the customer's questions; calls and emails with support are noted"),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention=_("while your account is open"),
    title=_("Conversations with our support team"),
    export_name="support-conversations",
    source=_("notes our support team writes about your calls and emails with them"),
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
    purpose=_("Bill the customer and keep tax records"),
    legal_basis=LegalBasis.CONTRACT,
    retention=TAX_RECORD,
    title=_("Invoices"),
    export_name="invoices",
    tabular=True,
    fields=[
        PersonalField("customer", Category.FINANCIAL, seen_by=OFFICERS_ONLY),
        tax_record("billing_name", fides="user.name"),
        tax_record("billing_address", fides="user.contact.address"),
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
    purpose=_("Take payments through the payment processor; no card data is stored"),
    legal_basis=LegalBasis.CONTRACT,
    retention=TAX_RECORD,
    title=_("Payments"),
    export_name="payments",
    source=_("our payment processor, when you pay"),
    tabular=True,
    fields=[
        PersonalField("customer", Category.FINANCIAL),
        PersonalField("method_summary", Category.FINANCIAL, fides="user.financial.credit_card"),
        tax_record("processor_reference"),
        tax_record("amount"),
        tax_record("status"),
    ],
)
