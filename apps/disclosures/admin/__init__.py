"""Admin for the disclosure register (P-20..P-23), recipients, compelled requests (P-21) and staff access (P-24, P-25).

One module per concern; importing them registers their admin classes:

- ``recipients``: recipients and their lapsed-agreement warning
- ``register``: the register and its pages (verify, chart, visibility, amend, attach); ``export`` its CSV
- ``compelled``: compelled requests, intake and the second officer's decision
- ``ledger``: chain anchors and change history, for auditors
- ``access``: staff content-access grants and the staff-access audit log
- ``forms``, ``filters``, ``charts``: the pieces those use

Every write goes through ``services`` / ``compelled`` / ``access``; nothing here deletes.
"""

from apps.disclosures.admin import access, compelled, ledger, recipients, register
from apps.disclosures.admin.charts import monthly_chart
from apps.disclosures.admin.compelled import CompelledRequestAdmin
from apps.disclosures.admin.forms import DisclosureAddForm
from apps.disclosures.admin.recipients import RecipientAdmin
from apps.disclosures.admin.register import DisclosureAdmin

__all__ = [
    "CompelledRequestAdmin",
    "DisclosureAddForm",
    "DisclosureAdmin",
    "RecipientAdmin",
    "access",
    "compelled",
    "ledger",
    "monthly_chart",
    "recipients",
    "register",
]
