"""Pages of subject requests, one module per sub-domain (the same names as in services/,
selectors/, forms/, admin/ and tests/subject_requests/):

- ``requests``: Your Account → Your requests (signed in)
- ``public``: the public form, its email confirmation and the status page (no sign-in)
- ``facebook``: Facebook's data-deletion callback
"""
