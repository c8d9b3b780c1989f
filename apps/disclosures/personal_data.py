"""The disclosure register outlives the people in it: their link becomes the pseudonymous reference."""

from apps.disclosures.models import ChainAnchor, ChainHead, Disclosure, DisclosureSubject, Recipient
from apps.personal_data.registry import Action, Category, LegalBasis, PersonalField, exempt, register

register(
    DisclosureSubject,
    subject="subject",
    erase=Action.NULL,  # the account link goes; the pseudonymous reference keeps the record whole
    purpose="Record every disclosure of personal data (legal obligation, P-21)",
    export=False,  # exported by the disclosures app itself, without withheld records (P-22)
    fields=[
        PersonalField("subject", Category.ACCOUNT),
        PersonalField(
            "subject_reference",
            Category.ACCOUNT,
            Action.KEEP,
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            retention="the legally required period for disclosure records (default 5 years)",
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
