from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The public API for the company's other systems (/api/v1/). The top layer: it reads and
    writes through every domain app's selectors and services, and nothing imports it."""

    name = "apps.api"
    label = "api"
    verbose_name = _("API for other systems")
    default_auto_field = "django.db.models.BigAutoField"
