"""Settings of the outgoing webhooks (apps/core/webhooks/) and of the systems requests reach
(apps/systems), read by config/settings/base.py; each is set through the environment."""

import environ

env = environ.Env()

# Encrypts the webhook secrets at rest (they must be readable to sign); empty: the secret key
# (apps/core/webhooks/signing.py; production: the pseudonym key). Changing it makes every stored
# secret unusable, so rotate the systems' secrets after changing it.
WEBHOOK_SECRET_KEY = env("WEBHOOK_SECRET_KEY", default="")
# Production requires https targets; only the tests may call private or loopback addresses
# (server-side request forgery: apps/core/webhooks/targets.py).
WEBHOOKS_REQUIRE_HTTPS = env.bool("WEBHOOKS_REQUIRE_HTTPS", default=False)
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False)
# Retries: 30 s, doubling, up to 6 hours a wait; given up after this many attempts.
WEBHOOKS_RETRY_BASE_SECONDS = env.float("WEBHOOKS_RETRY_BASE_SECONDS", default=30.0)
WEBHOOKS_MAX_ATTEMPTS = env.int("WEBHOOKS_MAX_ATTEMPTS", default=12)
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=10.0)
# The largest callback body a system may send (apps/systems/views.py), besides the access file's
# room: every callback may be as large as this plus the base64 of the file below.
SYSTEMS_CALLBACK_MAX_BYTES = env.int("SYSTEMS_CALLBACK_MAX_BYTES", default=64 * 1024)
# The largest file a system may send as its answer to an access request (JSON or CSV, UTF-8),
# through the callback (base64, so its body may be a third larger), the emailed link's page
# or an officer's upload. A CSV goes into the person's export rewritten cell by cell (formulas
# neutralised, apps/core/spreadsheets.py); a JSON file as it came.
SYSTEMS_ACCESS_FILE_MAX_BYTES = env.int("SYSTEMS_ACCESS_FILE_MAX_BYTES", default=2 * 1024 * 1024)

__all__ = [
    "SYSTEMS_ACCESS_FILE_MAX_BYTES",
    "SYSTEMS_CALLBACK_MAX_BYTES",
    "WEBHOOKS_ALLOW_PRIVATE_TARGETS",
    "WEBHOOKS_MAX_ATTEMPTS",
    "WEBHOOKS_REQUIRE_HTTPS",
    "WEBHOOKS_RETRY_BASE_SECONDS",
    "WEBHOOKS_TIMEOUT_SECONDS",
    "WEBHOOK_SECRET_KEY",
]
