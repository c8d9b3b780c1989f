"""The disclosure register (P-20..P-23): who received whose personal data, when, why.

Disclosures form an append-only, hash-chained ledger: each entry stores the hash of the
one before it, so an edited, deleted or reordered entry breaks the chain at that point
(`manage.py verify_disclosure_log`). A correction is a new entry that amends the original.
Subjects are referenced by account and by pseudonymous reference, so a record outlives
the erasure of the person without keeping who they were.
"""

from apps.disclosures.models.recipients import Recipient
from apps.disclosures.models.register import (
    AppendOnlyQuerySet,
    ChainAnchor,
    ChainHead,
    CompelledRequest,
    ContentAccessGrant,
    Disclosure,
    DisclosureAttachment,
    DisclosureSubject,
    NoDeleteQuerySet,
    StaffAccessEvent,
    attachment_path,
)

__all__ = [
    "AppendOnlyQuerySet",
    "ChainAnchor",
    "ChainHead",
    "CompelledRequest",
    "ContentAccessGrant",
    "Disclosure",
    "DisclosureAttachment",
    "DisclosureSubject",
    "NoDeleteQuerySet",
    "Recipient",
    "StaffAccessEvent",
    "attachment_path",
]
