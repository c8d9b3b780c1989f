"""The disclosure register outlives the people in it: their link becomes the pseudonymous reference."""

from django.utils.translation import gettext_lazy as _

from apps.disclosures.models import (
    ChainAnchor,
    ChainHead,
    CompelledRequest,
    ContentAccessGrant,
    Disclosure,
    DisclosureAttachment,
    DisclosureSubject,
    Recipient,
    StaffAccessEvent,
)
from apps.personal_data.registry import (
    EVERY_STAFF_ROLE,
    Action,
    Category,
    LegalBasis,
    PersonalField,
    exempt,
    register,
)

register(
    DisclosureSubject,
    subject="subject",
    erase=Action.NULL,  # the account link goes; the pseudonymous reference keeps the record whole
    purpose=_("Record every disclosure of personal data"),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention=_("5 years after the disclosure"),
    title=_("Times we shared your data"),
    export=False,  # exported by the disclosures app itself, without withheld records (P-22)
    fields=[
        PersonalField("subject", Category.ACCOUNT),
        PersonalField(
            "subject_reference",
            Category.ACCOUNT,
            Action.KEEP,
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            retention=_("the legally required period for disclosure records (default 5 years)"),
            fides="user.unique_id.pseudonymous",
            seen_by=EVERY_STAFF_ROLE,  # pseudonymous: the auditors' way to follow one subject
        ),
    ],
)
exempt(
    Disclosure,
    reason="The ledger entry itself describes what was disclosed, never the data; its subjects are linked "
    "through DisclosureSubject, and approved_by / recorded_by are staff.",
)
exempt(Recipient, reason="Organisations that receive data; the contact is a business contact.")
exempt(ChainAnchor, reason="Sequence numbers and hashes only.")
exempt(ChainHead, reason="Sequence number and hash only.")

exempt(
    CompelledRequest,
    reason="The demand itself; who it names is in its subjects table (registered below), what was "
    "handed over is in the register.",
)
register(
    CompelledRequest.subjects.through,
    subject="user",
    purpose=_("Answer court, police and government demands"),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention=_("5 years after the demand"),
    title=_("Court, police and government demands that name you"),
    export=False,
    fields=[PersonalField("user", Category.ACCOUNT)],
)
register(
    ContentAccessGrant,
    subject="customer",
    purpose=_("Control staff access to customer content"),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention=_("5 years after the access ends"),
    title=_("Staff access to your content"),
    tabular=True,
    export=False,  # exported by the disclosures app itself, without grants whose notice is withheld
    fields=[
        # Auditors check who was given access, why in general and for how long (P-25); the
        # officer's free-text reason and the ticket may quote the customer, so they do not.
        PersonalField("purpose", Category.ACCOUNT, seen_by=EVERY_STAFF_ROLE),
        PersonalField("reason", Category.ACCOUNT),
        PersonalField("ticket_reference", Category.ACCOUNT),
        PersonalField("status", Category.ACCOUNT, seen_by=EVERY_STAFF_ROLE),
        PersonalField("expires_at", Category.ACCOUNT, seen_by=EVERY_STAFF_ROLE),
    ],
)
register(
    StaffAccessEvent,
    subject="customer",
    purpose=_("Audit staff access to customer data"),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention=_("5 years"),
    title=_("Times our staff looked at your data"),
    tabular=True,
    export=False,  # exported by the disclosures app itself, without looks under a withheld grant
    fields=[
        # When and what kind of look: the audit itself; the path names the customer only by
        # their opaque reference.
        PersonalField("kind", Category.USAGE, seen_by=EVERY_STAFF_ROLE),
        PersonalField("occurred_at", Category.USAGE, seen_by=EVERY_STAFF_ROLE),
        PersonalField("path", Category.USAGE, seen_by=EVERY_STAFF_ROLE),
    ],
)
exempt(
    DisclosureAttachment,
    reason="Court orders and letters kept with the register under legal obligation; uploaded_by is staff.",
)
