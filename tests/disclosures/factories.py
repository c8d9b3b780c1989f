import factory
from django.utils import timezone

from apps.disclosures.models import Recipient
from apps.disclosures.services.register import disclosure_record


class RecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recipient

    name = factory.Sequence(lambda n: f"Recipient {n} Ltd")
    category = Recipient.Category.PROCESSOR
    country = "GB"
    agreement = Recipient.Agreement.PROCESSING
    agreement_reference = factory.Sequence(lambda n: f"DPA-{n:04d}")


def record(*, actor, subjects, recipient=None, **overrides):
    """Record a disclosure through the service, with plausible defaults."""
    fields = {
        "recipient": recipient or RecipientFactory(),
        "subjects": subjects,
        "data_categories": ["contact", "usage"],
        "description": "Email address and login times for March",
        "disclosed_at": timezone.now(),
        "reason": "Court order in a fraud case",
        "legal_basis": "court_order",
        "external_reference": "CO-2026-117",
        "requested_by": "Example Crown Court",
        "actor": actor,
    }
    fields.update(overrides)
    return disclosure_record(**fields)
