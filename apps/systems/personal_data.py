"""What apps/systems keeps: the systems' answers to access requests are the person's data; the
rest holds no one's personal data of its own."""

from django.utils.translation import gettext_lazy as _

from apps.personal_data.registry import Category, LegalBasis, PersonalField, exempt, register
from apps.systems.models import AccessAnswer, PropagationTask, SystemSecret

exempt(SystemSecret, reason="A system's signing secret; created_by is a member of staff.")
exempt(
    PropagationTask,
    reason="Which system was told of which request and how it answered: references, dates and counts; "
    "closed_by is an officer. The identifiers a system is sent are kept only until it is told (the outbox "
    "event's payload, pending_identifiers for an email), then blanked. The data a system sends for an "
    "access request is an AccessAnswer, registered below.",
)
register(
    AccessAnswer,
    subject="task__request__subject",
    purpose=_("Answer a request for a copy of your data with what other systems hold"),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention=_("Until your data is erased"),
    title=_("What other systems sent for your requests for a copy of your data"),
    # In the export as each system's folder (systems/<system>/), for the request it answered.
    export=False,
    fields=[PersonalField("file", Category.CONTENT)],
)
