"""Forms of the service data pages, one module per sub-domain."""
