from django.apps import AppConfig


class BenchErasureConfig(AppConfig):
    """Ten personal-data tables shaped like the ones later capabilities add, each with
    simple-history, so erasure can be measured at scale. Installed only by bench/settings.py."""

    name = "bench.erasure_app"
    label = "bench_erasure"
