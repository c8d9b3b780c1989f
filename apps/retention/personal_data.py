"""What the retention app holds about a person."""

from django.utils.translation import gettext_lazy as _

from apps.personal_data.registry import Action, Category, LegalBasis, PersonalField, exempt, register
from apps.retention.models import AccountDeletion, InactivityNotice, LegalHold, PurgeRun, RetentionRule

register(
    LegalHold,
    subject="subject",
    erase=Action.NULL,
    purpose=_("Keep data a legal hold protects"),
    legal_basis=LegalBasis.LEGAL_CLAIM,
    retention=_("while the hold lasts"),
    title=_("Legal holds"),
    # Telling a subject about a hold can tip off a dispute or an inquiry; officers decide what to say.
    export=False,
    fields=[
        PersonalField(
            "subject", Category.ACCOUNT, Action.KEEP, legal_basis=LegalBasis.LEGAL_CLAIM, retention=_("while held")
        ),
        PersonalField(
            "note", Category.FINANCIAL, Action.KEEP, legal_basis=LegalBasis.LEGAL_CLAIM, retention=_("while held")
        ),
    ],
)
register(
    AccountDeletion,
    subject="subject",
    erase=Action.NULL,
    purpose=_("Carry out the customer's request to delete their account"),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention=_("as proof that your request to delete your account was honoured"),
    title=_("Your request to delete your account"),
    export_name="account-deletion",
    fields=[
        PersonalField(
            "subject",
            Category.ACCOUNT,
            Action.KEEP,
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            retention=_("as proof the request was honoured"),
        ),
        # Read after the erasure, to confirm it by email; blanked once that email is sent.
        PersonalField(
            "notify_email",
            Category.CONTACT,
            Action.KEEP,
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            retention=_("until the confirmation email is sent"),
        ),
    ],
)
register(
    InactivityNotice,
    subject="subject",
    purpose=_("Warn before an unused account is deleted"),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention=_("until the account is used again or deleted"),
    title=_("Warnings before an unused account is deleted"),
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
