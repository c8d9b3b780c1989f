from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class BenchRow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=120)
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        abstract = True


def _make(name: str) -> type[models.Model]:
    attrs = {
        "__module__": __name__,
        "history": HistoricalRecords(),
        "Meta": type("Meta", (), {"app_label": "bench_erasure"}),
    }
    return type(name, (BenchRow,), attrs)


NAMES = ["Note", "Message", "Order", "Address", "Device", "Play", "Review", "Ticket", "Upload", "Search"]
BENCH_MODELS = [_make(f"Bench{name}") for name in NAMES]
globals().update({m.__name__: m for m in BENCH_MODELS})
