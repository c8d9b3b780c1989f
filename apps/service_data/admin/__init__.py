"""admin of the service data, one module per sub-domain (content, calendar, activity, support, billing);
importing them registers their admin classes.

- ``content``: read-only lists of content items, shared posts and refusals (no file, no download)
- ``staff_access``: opening a customer's file under a content-access grant (site-level, logged)
- ``calendar``, ``activity``, ``support``: read-only lists under the field-level view rule
- ``billing``: invoices and payments, read-only (they change only through the billing services)
"""

from apps.service_data.admin import activity, billing, calendar, content, staff_access, support

__all__ = ["activity", "billing", "calendar", "content", "staff_access", "support"]
