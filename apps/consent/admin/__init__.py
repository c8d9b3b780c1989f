"""The consent app's admin, one module per sub-domain.

- ``ledger``: purposes (and their consent-rate chart), the read-only consent ledger with each
  customer's evidence page and consent receipt, the suppression list and processing restrictions.
- ``marketing``: mailings: officers draft, check and send marketing campaigns.
- ``policy``: privacy policy versions and their change notices.
- ``subject``: a person's choices and suppressions on their admin page, and "Record consent…".
"""

from apps.consent.admin import ledger, marketing, policy, subject  # noqa: F401 (registers the model admins)
