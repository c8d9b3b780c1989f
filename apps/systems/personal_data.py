"""What apps/systems keeps holds no one's personal data of its own."""

from apps.personal_data.registry import exempt
from apps.systems.models import PropagationTask, SystemSecret

exempt(SystemSecret, reason="A system's signing secret; created_by is a member of staff.")
exempt(
    PropagationTask,
    reason="Which system was told of which request and how it answered: references, dates and counts; "
    "closed_by is an officer. The identifiers a system is sent are kept only until it is told (the outbox "
    "event's payload, pending_identifiers for an email), then blanked.",
)
