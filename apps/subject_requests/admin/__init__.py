"""Admin for subject requests (P-30, P-31): the officer's side.

One module per concern; importing them registers their admin classes:

- ``requests``: the request list (deadline clock, filters, search, bulk assign) and the
  request page (subject summary, timeline, clock, related requests, scope, steps, messages,
  notes, attachments); ``steps`` the steps valid for each status; ``intake`` the officer's
  intake of requests received by email, phone or letter
- ``jurisdictions``: each law's deadlines, with history
- ``dashboard``: the site-level dashboard and its yearly CSV

Every write goes through ``apps.subject_requests.services`` (or ``execution``); nothing here
deletes.
"""

from apps.subject_requests.admin import dashboard, jurisdictions, requests
from apps.subject_requests.admin.jurisdictions import JurisdictionAdmin
from apps.subject_requests.admin.requests import SubjectRequestAdmin

# The dashboard's site-level pages. The admin's autodiscovery imports this package while the
# apps load (admin's ready()), before the URLconf asks the site for its URLs.
dashboard.register()

__all__ = ["JurisdictionAdmin", "SubjectRequestAdmin", "dashboard", "jurisdictions", "requests"]
