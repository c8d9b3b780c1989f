"""What the API app holds: about other systems, not about customers."""

from apps.api.models import ApiClient, ApiFiledRequest, ApiKey
from apps.personal_data.registry import exempt

exempt(ApiClient, reason="Another system of the company and the team that owns it; the officer who made it is staff.")
exempt(ApiKey, reason="A system's key, kept only as a digest.")
exempt(
    ApiFiledRequest,
    reason="Which system filed which request: the person is reached through the request, erased with it.",
)
