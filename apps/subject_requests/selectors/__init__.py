"""Reads of subject requests, one module per sub-domain (the same names as in services/, views/,
forms/, admin/ and tests/subject_requests/):

- ``requests``: the customer's requests, the timeline, related requests, the transitions allowed now
- ``public``: a request by reference for the public status and confirmation pages
- ``intake``: the open request a new one would repeat
- ``jurisdictions``: the rule a request falls under
- ``deadlines``: deadline filters (due soon, overdue) and the officer's deadline clock
- ``workflow``: who handles requests, who asked for approval, whose turn it is (worker or officer)
- ``reminders``: whom the daily digest goes to, with which requests
- ``execution``: requests whose execution was lost (read by the reconciler)
- ``dashboard``: figures for the officers' dashboard, the yearly CSV and the statistics report
"""
