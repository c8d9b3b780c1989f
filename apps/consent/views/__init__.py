"""The consent app's pages, one module per sub-domain: ledger (Privacy choices), cookies, marketing, policy."""
