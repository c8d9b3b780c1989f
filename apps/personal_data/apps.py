from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class PersonalDataConfig(AppConfig):
    name = "apps.personal_data"
    label = "personal_data"
    verbose_name = _("Personal data")

    def ready(self) -> None:
        from apps.personal_data import checks  # noqa: F401  (registers the system check)

        # Each app declares its models in <app>/personal_data.py; third-party models are
        # declared in this app's personal_data.py.
        autodiscover_modules("personal_data")
        # The officer's finder and registry map: site-level admin pages at /admin/personal-data/.
        from apps.personal_data.admin import register_site_views

        register_site_views()
        # The engines queue their runs through the tasks, which register themselves on import.
        from apps.personal_data import tasks  # noqa: F401

        self._register_navigation()

    @staticmethod
    def _register_navigation() -> None:
        # Your Account → Your data (exports), after the accounts app's own pages.
        from django.utils.translation import gettext_lazy as _

        from apps.core.navigation import NavItem
        from apps.core.navigation import register as register_nav_item

        register_nav_item(NavItem("data", _("Your data"), "personal_data:data", 40))
