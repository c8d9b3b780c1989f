"""bench/api_consent_check.py's server: the benchmark settings with an empty view added."""

from bench.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
