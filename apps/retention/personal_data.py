"""What the retention app holds about a person."""

from apps.personal_data.registry import Action, Category, LegalBasis, PersonalField, exempt, register
from apps.retention.models import AccountDeletion, InactivityNotice, LegalHold, PurgeRun, RetentionRule

register(
    LegalHold,
    subject="subject",
    erase=Action.NULL,
    purpose="Keep data a legal hold protects (legal claims, P-42)",
    # Telling a subject about a hold can tip off a dispute or an inquiry; officers decide what to say.
    export=False,
    fields=[
        PersonalField(
            "subject", Category.ACCOUNT, Action.KEEP, legal_basis=LegalBasis.LEGAL_CLAIM, retention="while held"
        ),
        PersonalField(
            "note", Category.FINANCIAL, Action.KEEP, legal_basis=LegalBasis.LEGAL_CLAIM, retention="while held"
        ),
    ],
)
register(
    AccountDeletion,
    subject="subject",
    erase=Action.NULL,
    purpose="Carry out the customer's request to delete their account (P-32)",
    fields=[
        PersonalField(
            "subject",
            Category.ACCOUNT,
            Action.KEEP,
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            retention="as proof the request was honoured",
        ),
        # Read after the erasure, to confirm it by email; blanked once that email is sent.
        PersonalField(
            "notify_email",
            Category.CONTACT,
            Action.KEEP,
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            retention="until the confirmation email is sent",
        ),
    ],
)
register(
    InactivityNotice,
    subject="subject",
    purpose="Warn before an unused account is deleted (P-40)",
    export=False,
    fields=[
        PersonalField("subject", Category.ACCOUNT),
        PersonalField("inactive_since", Category.USAGE),
        PersonalField("purge_on", Category.ACCOUNT),
        PersonalField("sent_at", Category.COMMUNICATIONS),
    ],
)
exempt(PurgeRun, reason="Counts per rule; actor is the staff member who started a run.")
exempt(RetentionRule, reason="The company's retention policy, not anyone's data.")
