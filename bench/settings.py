"""Settings for benchmarks: the test settings plus the benchmark-only tables."""

from config.settings.test import *  # noqa: F403
from config.settings.test import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.erasure_app"]
