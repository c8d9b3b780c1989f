"""Rules of the service data that need no database, one module per sub-domain."""
