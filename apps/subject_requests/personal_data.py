"""What the subject-request app holds about a person (P-30, P-31)."""

from django.utils.translation import gettext_lazy as _

from apps.personal_data.registry import Action, Category, DataSubjects, LegalBasis, PersonalField, exempt, register
from apps.subject_requests.models import DeadlineRule, Jurisdiction, RequestAttachment, RequestMessage, SubjectRequest

PROOF = _("3 years after the request closes (proof that it was handled)")

register(
    SubjectRequest,
    subject="subject",
    erase=Action.NULL,  # the request stays as proof it was handled, without the person's words
    purpose=_("Handle requests to exercise data-protection rights"),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention=PROOF,
    title=_("Your requests about your data"),
    export_name="requests",
    data_subjects=DataSubjects.REQUESTERS,
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
        PersonalField("outcome", Category.COMMUNICATIONS, seeded_text=True),
        PersonalField("rejection_reason", Category.COMMUNICATIONS),
        PersonalField("extension_reason", Category.COMMUNICATIONS),
    ],
)
register(
    RequestMessage,
    subject="request__subject",
    erase=Action.NULL,
    purpose=_("Correspond about a rights request"),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention=PROOF,
    title=_("Messages about your requests"),
    export_name="request-messages",
    data_subjects=DataSubjects.REQUESTERS,
    fields=[PersonalField("body", Category.COMMUNICATIONS)],
)
register(
    RequestAttachment,
    subject="request__subject",
    purpose=_("Letters and emails received with a rights request"),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention=PROOF,
    title=_("Letters and emails sent with your requests"),
    data_subjects=DataSubjects.REQUESTERS,
    export=False,
    fields=[PersonalField("file", Category.COMMUNICATIONS), PersonalField("name", Category.COMMUNICATIONS)],
)
exempt(Jurisdiction, reason="Deadline rules of each law; no one's data.")
exempt(DeadlineRule, reason="Dated versions of each law's deadlines; no one's data.")
