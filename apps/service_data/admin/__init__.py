"""admin of the service data, one module per sub-domain (content, calendar, activity, support, billing)."""

# --- content ---
from apps.service_data.admin import content  # noqa: F401 (registers the model admins)
