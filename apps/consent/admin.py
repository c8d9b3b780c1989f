"""The consent app's admin, one module per area."""

from apps.consent import admin_consent  # noqa: F401
