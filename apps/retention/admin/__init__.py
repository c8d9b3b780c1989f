"""Admin for retention (P-40 to P-42): rules, legal holds, account deletions and purge runs.

One module per concern; importing them registers their admin classes:

- ``rules``: retention rules, editable by officers, with their history
- ``holds``: legal holds (place, change while active, release after a confirmation page) and
  the summary shown on the subject's user page
- ``runs``: purge runs (history, live progress, preview, "Run now") and account deletions

Every write goes through ``apps.retention.services``; nothing here deletes.
"""

from apps.retention.admin import holds, rules, runs
from apps.retention.admin.holds import LegalHoldAdmin, active_holds_summary
from apps.retention.admin.rules import RetentionRuleAdmin
from apps.retention.admin.runs import AccountDeletionAdmin, PurgeRunAdmin

__all__ = [
    "AccountDeletionAdmin",
    "LegalHoldAdmin",
    "PurgeRunAdmin",
    "RetentionRuleAdmin",
    "active_holds_summary",
    "holds",
    "rules",
    "runs",
]
