"""Admin for subject requests (P-30, P-31): the officer's side.

One module per sub-domain (the same names as in views/, services/, selectors/, forms/ and
tests/subject_requests/); importing them registers their admin classes:

- ``requests``: the request list (deadline clock, filters, search, bulk assign) and the
  request page (subject summary, timeline, clock, related requests, scope, attachments)
- ``workflow``: the steps valid for each status, messages, notes, applying a rectification
- ``intake``: the officer's intake of requests received by email, phone or letter, attachments
- ``jurisdictions``: each law's deadlines, with history
- ``queue``: the list's urgent-first order, its saved views, "Assign to me"
- ``subject``: the person's requests on their admin page
- ``dashboard``: the site-level dashboard and its yearly CSV (registered by apps.py)

Every write goes through ``apps.subject_requests.services``; nothing here deletes.
"""

from apps.subject_requests.admin import subject
from apps.subject_requests.admin.jurisdictions import JurisdictionAdmin
from apps.subject_requests.admin.requests import SubjectRequestAdmin

__all__ = ["JurisdictionAdmin", "SubjectRequestAdmin", "subject"]
