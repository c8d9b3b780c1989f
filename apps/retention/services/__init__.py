"""Writes of the retention app, one module per sub-domain: ``rules``, ``holds``, ``purge`` ("Run
now") and ``deletion`` (the same names as in ``selectors/``, ``admin/`` and ``tests/retention/``).
Import from the module, e.g. ``apps.retention.services.holds``. The purge itself is the engine in
``apps/retention/purge/``.
"""
