"""What the breaches app holds about people, and what erasure does with it.

The register points at people only through ``AffectedPerson``: erasure clears the link to the
account and the person's language and jurisdiction, and keeps the keyed reference and when they
were told (the proof the law asks for, Art. 33(5), 34). The frozen set's counts are not
personal data. Officers appear as the staff who handled a breach.
"""

from django.utils.translation import gettext_lazy as _

from apps.breaches.models import (
    AffectedPerson,
    AffectedSet,
    AuthoritySubmission,
    Breach,
    BreachClock,
    ClockRule,
    RiskAssessment,
)
from apps.personal_data.registry import EVERY_STAFF_ROLE, Action, Category, LegalBasis, PersonalField, exempt, register

register(
    AffectedPerson,
    subject="subject",
    erase=Action.NULL,  # the breach record stays whole, by keyed reference, without the identity
    purpose=_("Tell the people a personal-data breach affected, and keep proof that they were told"),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention=_("as long as the breach register is kept"),
    title=_("Security incidents that involved your data"),
    export_name="security-incidents",
    tabular=True,
    fields=[
        PersonalField("subject", Category.ACCOUNT, label=_("account")),
        PersonalField(
            "subject_reference",
            Category.ACCOUNT,
            Action.KEEP,
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            fides="user.unique_id.pseudonymous",
            export=False,  # a keyed hash: meaningless to the person
            seen_by=EVERY_STAFF_ROLE,
        ),
        PersonalField("jurisdiction", Category.PREFERENCES, Action.FIXED, value=""),
        PersonalField("language", Category.PREFERENCES, Action.FIXED, value="", fides="user.demographic.language"),
        PersonalField(
            "notified_language", Category.PREFERENCES, Action.FIXED, value="", fides="user.demographic.language"
        ),
        PersonalField("notified_at", Category.COMMUNICATIONS, Action.KEEP, legal_basis=LegalBasis.LEGAL_OBLIGATION),
    ],
)
exempt(Breach, reason="The incident as the company records it; people appear only as counts (the officer is staff).")
exempt(AffectedSet, reason="The query that found the people and their counts; each person is an AffectedPerson row.")
exempt(RiskAssessment, reason="The assessment's factors and result, about the incident, not a person.")
exempt(ClockRule, reason="Each law's clocks, written by the product team and officers.")
exempt(BreachClock, reason="When each notification was due and made; no person's data.")
exempt(AuthoritySubmission, reason="What was sent to an authority: built from the register, with counts only.")
