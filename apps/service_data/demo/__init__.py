"""Demo data of the service app, found by apps.accounts.demo (``app_demo_hooks``) when the app
is installed:

- ``named``: ``seed(demo)``, a little of every kind, with small real files, for the named demo
  customers of `make run` (Alice, Bảo), invoices through the billing services;
- ``volume``: ``seed_customers(users, numbers, now)``, the generated customers' data of
  ``seed_demo --customers N`` in a real service's proportions, through bulk inserts.
"""

from apps.service_data.demo.named import seed
from apps.service_data.demo.volume import seed_customers

__all__ = ["seed", "seed_customers"]
