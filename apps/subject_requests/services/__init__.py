"""Writes of subject requests, one module per sub-domain (the same names as in selectors/, views/,
forms/, admin/ and tests/subject_requests/):

- ``requests``: the lifecycle (status changes, notes, messages, their emails) and the worker's queues
- ``intake``: filing from every channel, duplicates, email confirmation, identity checks, attachments
- ``public``: the public form's filing and emails
- ``facebook``: the erasure request Facebook's data-deletion callback opens
- ``workflow``: the officers' steps (assign, clock, start, rectify, complete, approve …)
- ``deadlines``: setting a request's deadlines from its rule (helpers of the services above)
- ``jurisdictions``: an officer's change to a law's deadlines
- ``reminders``: the officers' daily digest (a periodic job)
- ``execution``: the reconciler of lost executions (a periodic job; the engine is execution/)
"""
