"""Forms of subject requests, one module per sub-domain (the same names as in views/, admin/,
services/, selectors/ and tests/subject_requests/):

- ``requests``: the customer's forms in Your Account, one per request type, and replies
- ``public``: the public form and its confirmation code
- ``intake``: the officer's intake of a request received by email, phone or letter, and attachments
- ``workflow``: the officer's step confirmations, messages, notes and assignment
"""
