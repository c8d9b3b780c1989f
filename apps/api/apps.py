from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The public API for the company's other systems (/api/v1/). The top layer: it reads and
    writes through every domain app's selectors and services, and nothing imports it."""

    name = "apps.api"
    label = "api"
    verbose_name = _("API for other systems")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from apps.api.services import api_purposes_changed
        from apps.consent.models import Purpose

        # A consent check reads its purpose from the cache (selectors.purpose_for_check): any save
        # of a purpose, from the admin, a service or a migration, must reach the next check.
        post_save.connect(api_purposes_changed, sender=Purpose, dispatch_uid="api-purposes-changed-save")
        post_delete.connect(api_purposes_changed, sender=Purpose, dispatch_uid="api-purposes-changed-delete")
