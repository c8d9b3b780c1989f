"""The accounts app's admin, by sub-domain: users (the subject page, erasure, staff access),
sign_in (login history, allauth's admins) and organisation (the data controller)."""

from apps.accounts.admin import organisation, sign_in, users  # noqa: F401  (each registers its admins)
