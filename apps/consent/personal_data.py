"""What the consent app holds about people, and what erasure does with it."""

from apps.consent.models import (
    ConsentEvent,
    ConsentState,
    Mailing,
    MailingDelivery,
    PolicyAcknowledgement,
    PolicyVersion,
    ProcessingRestriction,
    Purpose,
    Suppression,
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
    ConsentEvent,
    subject="subject",
    erase=Action.NULL,  # the proof stays, by pseudonymous reference, without the identity
    purpose="Prove each consent choice (legal obligation to demonstrate consent, P-14)",
    tabular=True,
    fields=[
        PersonalField("subject", Category.ACCOUNT),
        PersonalField(
            "subject_reference",
            Category.ACCOUNT,
            Action.KEEP,
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            retention="the account's life plus 5 years (consent evidence)",
            seen_by=EVERY_STAFF_ROLE,  # pseudonymous: the auditors' way to follow one subject
        ),
        PersonalField("ip_address", Category.TECHNICAL),
        PersonalField("user_agent", Category.TECHNICAL),
        PersonalField("source_page", Category.USAGE),
    ],
)
register(
    ConsentState,
    subject="subject",
    purpose="Know each customer's current choices (consent)",
    tabular=True,
    fields=[PersonalField("granted", Category.PREFERENCES), PersonalField("changed_at", Category.PREFERENCES)],
)
register(
    ProcessingRestriction,
    subject="subject",
    purpose="Honour a restriction of processing (legal obligation)",
    fields=[PersonalField("reason", Category.ACCOUNT), PersonalField("lifted_at", Category.ACCOUNT)],
)
register(
    PolicyAcknowledgement,
    subject="subject",
    purpose="Record that a customer was told of a material policy change (P-16)",
    tabular=True,
    fields=[PersonalField("acknowledged_at", Category.ACCOUNT)],
)
register(
    MailingDelivery,
    subject="subject",
    purpose="Send each mailing once (legitimate interest / consent for marketing)",
    tabular=True,
    fields=[PersonalField("sent_at", Category.COMMUNICATIONS)],
)
exempt(
    Suppression,
    reason="Keyed hashes of addresses that must never be marketed to again (P-12); no account link, "
    "so the suppression survives erasure by design.",
)
exempt(Purpose, reason="Purpose names and texts written by the company.")
exempt(PolicyVersion, reason="The published privacy policy.")
exempt(Mailing, reason="Campaign and notice texts written by staff; who received one is in MailingDelivery.")
