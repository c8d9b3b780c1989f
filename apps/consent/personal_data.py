"""What the consent app holds about people, and what erasure does with it."""

from django.utils.translation import gettext_lazy as _

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
    purpose=_("Prove each consent choice"),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention=_("while your account is open, then 5 years as proof of your choices"),
    title=_("Every consent choice you made"),
    export_name="consent-history",
    source=_("your browser, when you make a choice (its address and type)"),
    tabular=True,
    fields=[
        PersonalField("subject", Category.ACCOUNT, label=_("account")),
        PersonalField(
            "subject_reference",
            Category.ACCOUNT,
            Action.KEEP,
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            retention=_("the account's life plus 5 years (consent evidence)"),
            fides="user.unique_id.pseudonymous",
            export=False,  # a keyed hash: our way to keep the proof after erasure, meaningless to the person
            seen_by=EVERY_STAFF_ROLE,  # pseudonymous: the auditors' way to follow one subject
        ),
        PersonalField("ip_address", Category.TECHNICAL, fides="user.device.ip_address"),
        PersonalField("user_agent", Category.TECHNICAL),
        PersonalField("source_page", Category.USAGE),
    ],
)
register(
    ConsentState,
    subject="subject",
    purpose=_("Know each customer's current choices"),
    legal_basis=LegalBasis.CONSENT,
    retention=_("while your account is open"),
    title=_("Your current consent choices"),
    export_name="consent-choices",
    tabular=True,
    fields=[PersonalField("granted", Category.PREFERENCES), PersonalField("changed_at", Category.PREFERENCES)],
)
register(
    ProcessingRestriction,
    subject="subject",
    purpose=_("Honour a restriction of processing"),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention=_("while your account is open"),
    title=_("Restrictions of processing you asked for"),
    export_name="restrictions",
    fields=[PersonalField("reason", Category.ACCOUNT), PersonalField("lifted_at", Category.ACCOUNT)],
)
register(
    PolicyAcknowledgement,
    subject="subject",
    purpose=_("Record that a customer was told of a material policy change"),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention=_("while your account is open"),
    title=_("Privacy policy changes we told you about"),
    export_name="policy-notices",
    tabular=True,
    fields=[PersonalField("acknowledged_at", Category.ACCOUNT)],
)
register(
    MailingDelivery,
    subject="subject",
    purpose=_("Send each mailing once"),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention=_("while your account is open"),
    title=_("Emails we sent you"),
    export_name="emails-sent",
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
