"""admin of the service data, one module per sub-domain (content, calendar, activity, support, billing);
importing them registers their admin classes.

- ``staff_access``: opening a customer's file under a content-access grant (site-level, logged)
- ``calendar``, ``activity``, ``support``: read-only lists under the field-level view rule
"""

# --- access lane: calendar, activity, support, staff access ---
from apps.service_data.admin import activity, calendar, staff_access, support

__all__ = ["activity", "calendar", "staff_access", "support"]
