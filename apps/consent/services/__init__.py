"""Writes of the consent app, one module per sub-domain: ledger, cookies, marketing, policy.

The batched sender of mailings is the engine ``apps.consent.mailing``."""
