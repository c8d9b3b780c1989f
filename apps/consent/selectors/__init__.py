"""Reads of the consent app, one module per sub-domain: ledger, cookies, marketing, policy."""
