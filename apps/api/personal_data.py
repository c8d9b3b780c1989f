"""What the API app holds: about other systems, not about customers."""

from apps.api.models import ApiClient, ApiFiledRequest, ApiKey, SubscriptionSecret, WebhookSubscription
from apps.personal_data.registry import exempt

exempt(ApiClient, reason="Another system of the company and the team that owns it; the officer who made it is staff.")
exempt(ApiKey, reason="A system's key, kept only as a digest.")
exempt(
    ApiFiledRequest,
    reason="Which system filed which request: the person is reached through the request, erased with it.",
)
exempt(WebhookSubscription, reason="Where another system of the company hears of changes; no one's data.")
exempt(SubscriptionSecret, reason="A system's signing secret, stored encrypted.")
