"""The breaches app's admin, by sub-domain: the register (with its pages for people and notices)
and the clock rules."""

from apps.breaches.admin import clocks, register  # noqa: F401  (registers the model admins)
