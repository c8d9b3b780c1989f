"""admin of the service data, one module per sub-domain (content, calendar, activity, support, billing)."""
