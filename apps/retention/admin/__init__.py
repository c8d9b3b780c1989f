"""Admin for retention (P-26, P-32, P-40 to P-42), one module per sub-domain.

Importing ``rules``, ``holds``, ``purge`` and ``deletion`` registers their admin classes:

- ``rules``: retention rules, editable by officers, with their history
- ``holds``: legal holds (place, change while active, release after a confirmation page) and
  the summary shown on the subject's user page
- ``purge``: purge runs (history, live progress, preview, "Run now")
- ``deletion``: account deletions, read-only
- ``statistics``: the aggregated statistics report and its CSV, site-level pages registered
  by ``RetentionConfig.ready()`` (``register_site_view``), not by importing this package

Every write goes through ``apps.retention.services``; nothing here deletes.
"""

from apps.retention.admin import deletion, holds, purge, rules
from apps.retention.admin.deletion import AccountDeletionAdmin
from apps.retention.admin.holds import LegalHoldAdmin, active_holds_summary
from apps.retention.admin.purge import PurgeRunAdmin
from apps.retention.admin.rules import RetentionRuleAdmin

__all__ = [
    "AccountDeletionAdmin",
    "LegalHoldAdmin",
    "PurgeRunAdmin",
    "RetentionRuleAdmin",
    "active_holds_summary",
    "deletion",
    "holds",
    "purge",
    "rules",
]
