"""Writes of the disclosures app, one module per sub-domain: ``register``, ``compelled``, ``access``."""
