"""Reads of the retention app, one module per sub-domain: ``rules``, ``holds``, ``purge``,
``deletion`` and ``statistics`` (the same names as in ``services/``, ``admin/`` and
``tests/retention/``). Import from the module, e.g. ``apps.retention.selectors.holds``.
"""
