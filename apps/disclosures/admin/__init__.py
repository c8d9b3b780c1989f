"""Admin of the disclosures app, one module per sub-domain; importing them registers their admin classes.

- ``register``: the register and its pages (verify, chart, import, visibility, amend, attach,
  the CSV export), chain anchors and the register's change history
- ``recipients``: recipients, their list filters, lapsed-agreement warning and change history
- ``compelled``: compelled requests, intake and the second officer's decision, their history
- ``access``: the staff page for customer content (site-level, ``register_site_views``), content-access
  grants and the staff-access audit log
- ``subject``: the disclosures about a person and the staff looks at them, on their admin page

The forms are ``apps.disclosures.forms``; every write goes through ``apps.disclosures.services``;
nothing here deletes.
"""

from apps.disclosures.admin import access, compelled, recipients, register, subject
from apps.disclosures.admin.compelled import CompelledRequestAdmin
from apps.disclosures.admin.recipients import RecipientAdmin
from apps.disclosures.admin.register import DisclosureAdmin

__all__ = [
    "CompelledRequestAdmin",
    "DisclosureAdmin",
    "RecipientAdmin",
    "access",
    "compelled",
    "recipients",
    "register",
    "subject",
]
