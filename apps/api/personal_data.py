"""What the API app holds: about other systems, not about customers."""

from apps.api.models import ApiClient, ApiKey, FiledRequest, SubscriptionSecret, WebhookSubscription
from apps.personal_data.registry import exempt

exempt(ApiClient, reason="Another system of the company and the team that owns it; the officer who made it is staff.")
exempt(ApiKey, reason="A system's key, kept only as a digest.")
exempt(WebhookSubscription, reason="Where another system of the company hears of changes; no one's data.")
exempt(SubscriptionSecret, reason="A system's signing secret, stored encrypted.")
exempt(
    FiledRequest,
    reason="Which system filed a request: two keys; the request is registered, and this row goes with it.",
)
