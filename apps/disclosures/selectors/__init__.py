"""Reads of the disclosures app, one module per sub-domain: ``register``, ``recipients``, ``records``, ``access``."""
