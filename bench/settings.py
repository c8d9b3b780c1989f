"""Settings for benchmarks: the test settings plus the benchmark-only tables."""

from config.settings.test import *  # noqa: F403
from config.settings.test import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.erasure_app"]

# Erasure batches grow as in production (the tests keep them fixed).
PERSONAL_DATA_ERASURE_BATCH_MAX = 50_000
