"""The consent app's admin, one module per area."""

import apps.consent.admin_policy  # noqa: F401
from apps.consent import admin_consent, admin_mailing  # noqa: F401
