from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    default = True
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # The job task and the reconciler: registered wherever the app loads (web, worker,
        # beat, commands), so a job can be sent from anywhere. The key and proxy system checks
        # register on import.
        from apps.core import checks, tasks  # noqa: F401


class PortalAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "apps.core.admin.site.PortalAdminSite"

    def ready(self) -> None:
        super().ready()  # makes the site and imports every app's admin module
        from django.contrib import admin

        from apps.core.admin import register_job_admin

        register_job_admin(admin.site)
