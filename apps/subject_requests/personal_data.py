"""What the subject-request app holds about a person (P-30, P-31)."""

from apps.personal_data.registry import Action, Category, LegalBasis, PersonalField, exempt, register
from apps.subject_requests.models import DeadlineRule, Jurisdiction, RequestAttachment, RequestMessage, SubjectRequest

PROOF = "3 years after the request closes (proof that it was handled)"

register(
    SubjectRequest,
    subject="subject",
    erase=Action.NULL,  # the request stays as proof it was handled, without the person's words
    purpose="Handle requests to exercise data-protection rights (legal obligation, P-30)",
    tabular=True,
    fields=[
        PersonalField(
            "subject", Category.ACCOUNT, Action.KEEP, legal_basis=LegalBasis.LEGAL_OBLIGATION, retention=PROOF
        ),
        # Read after an erasure finishes, to tell the person it is done.
        PersonalField(
            "requester_email", Category.CONTACT, Action.KEEP, legal_basis=LegalBasis.LEGAL_OBLIGATION, retention=PROOF
        ),
        PersonalField("requester_name", Category.IDENTITY),
        PersonalField("details", Category.COMMUNICATIONS),
        PersonalField("scope", Category.PREFERENCES),
        PersonalField("verification_note", Category.IDENTITY),
        PersonalField("outcome", Category.COMMUNICATIONS),
        PersonalField("rejection_reason", Category.COMMUNICATIONS),
        PersonalField("extension_reason", Category.COMMUNICATIONS),
    ],
)
register(
    RequestMessage,
    subject="request__subject",
    erase=Action.NULL,
    purpose="Correspond about a rights request (legal obligation)",
    fields=[PersonalField("body", Category.COMMUNICATIONS)],
)
register(
    RequestAttachment,
    subject="request__subject",
    purpose="Letters and emails received with a rights request (legal obligation)",
    export=False,
    fields=[PersonalField("file", Category.COMMUNICATIONS), PersonalField("name", Category.COMMUNICATIONS)],
)
exempt(Jurisdiction, reason="Deadline rules of each law; no one's data.")
exempt(DeadlineRule, reason="Dated versions of each law's deadlines; no one's data.")
