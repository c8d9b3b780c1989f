"""Plain rules of the consent app, one module per sub-domain: no queries, no writes, no request."""
