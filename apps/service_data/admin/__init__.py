"""admin of the service data, one module per sub-domain (content, calendar, activity, support, billing)."""

# --- billing: invoices and payments, read-only (admin/billing.py) ---
from apps.service_data.admin import billing  # noqa: F401
